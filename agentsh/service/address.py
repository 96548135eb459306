"""Where the service may listen: loopback, unless the user allows remote clients (and puts TLS in front)."""

from __future__ import annotations

import ipaddress

from ..errors import UsageError


def check_host(host: str, allow_remote: bool) -> None:
    """A host other than loopback is refused unless the user says they know what it means."""
    if allow_remote or _is_loopback(host):
        return
    raise UsageError(
        f"--host {host} is not a loopback address: anyone who reaches it with the token can run tools as you, and the "
        "token would cross the network in clear text; keep 127.0.0.1, or add --allow-remote and put the service behind "
        "TLS (a reverse proxy that terminates HTTPS)"
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
