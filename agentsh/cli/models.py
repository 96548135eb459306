"""`agentsh models`: the models that the configured and the local model servers offer.

Never imports litellm: each server is asked directly (httpx), all at once, with short timeouts.
A configured server (OPENAI_BASE_URL, OLLAMA_HOST...) that does not answer is one line on
stderr naming its URL; the usual local ports are listed only when something answers there.
"""

from __future__ import annotations

import argparse
import sys

from ..models.local_servers import Listing, probe_all, servers_to_probe
from ..secrets import redact_secrets
from ..terminal import neutralize
from .support import out, print_json


def models_command(args: argparse.Namespace) -> int:
    servers = servers_to_probe()
    listings = probe_all(servers)
    answered = [listing for listing in listings if listing.error is None]
    failed = [listing for listing in listings if listing.error is not None and listing.server.configured]
    status = 0 if answered and not failed else 1
    if args.json:
        print_json(list(map(Listing.as_dict, listings)))
        return status
    for listing in answered:
        _show(listing)
    for listing in failed:
        _problem(listing.problem())
    if not answered and not failed:
        tried = ", ".join(server.list_url for server in servers) or "no server (AGENTSH_LOCAL_SERVERS is empty)"
        _problem(f"no model server answers; tried {tried}. Start one (see the README's local models), or set OPENAI_BASE_URL or OLLAMA_HOST")
    return status


def _show(listing: Listing) -> None:
    out(f"{listing.server.label} ({listing.server.source})")
    if not listing.models:
        out("  (no models)" + ("; run `ollama pull llama3.2`" if listing.server.api == "ollama" else ""))
        return
    for name in listing.models:
        out(f"  {listing.model_string(name)}")
    out(f"  use: {listing.usage(listing.models[0])}")


def _problem(line: str) -> None:
    print(f"agentsh: {neutralize(line) if sys.stderr.isatty() else redact_secrets(line)}", file=sys.stderr)
