"""Where a provider is reached, and what to say when nothing answers there.

litellm finds a provider's address in an explicit `api_base`, else in the provider's own
environment variable (`OPENAI_BASE_URL`, `OLLAMA_API_BASE`, `<PROVIDER>_API_BASE`), else in its
default; `base_url` follows the same order, so an error can name the address that was tried and
the setting that chose it.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit, urlunsplit

BASE_URL_VARIABLES: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "ollama": ("OLLAMA_API_BASE",),
    "ollama_chat": ("OLLAMA_API_BASE",),
}
DEFAULT_BASE_URLS = {
    "openai": "https://api.openai.com/v1",
    "ollama": "http://localhost:11434",
    "ollama_chat": "http://localhost:11434",
}
OLLAMA = ("ollama", "ollama_chat")

# Exceptions (by class name, anywhere in a class's MRO) that mean no connection was made: httpx's,
# aiohttp's (litellm's default transport), urllib3's, and the socket's own.
CONNECT_FAILURES = frozenset({
    "ConnectionRefusedError", "ConnectError", "ConnectTimeout", "ClientConnectorError", "ConnectionTimeoutError",
    "NewConnectionError", "gaierror",
})
_REASONS = (  # the first class found in the chain names the reason
    ("ConnectionRefusedError", "connection refused"),
    ("gaierror", "host name not found"),
    ("ClientConnectorDNSError", "host name not found"),
    ("ConnectTimeout", "connection timed out"),
    ("ConnectionTimeoutError", "connection timed out"),
)
_CHAIN_LIMIT = 20  # links followed through __cause__ / __context__ (a chain can loop)


def base_url_variables(provider: str) -> tuple[str, ...]:
    return BASE_URL_VARIABLES.get(provider, (f"{provider.upper()}_API_BASE",))


def base_url(provider: str, api_base: str | None = None) -> tuple[str | None, str | None]:
    """The address litellm uses for `provider`, and what chose it ("api_base", a variable, or None for the default)."""
    if api_base:
        return api_base, "api_base"
    for variable in base_url_variables(provider):
        if os.environ.get(variable):
            return os.environ[variable], variable
    return DEFAULT_BASE_URLS.get(provider), None


def could_not_connect(error: BaseException) -> bool:
    """Whether `error` comes from a connection that was never made (refused, unreachable, unknown host).

    An answer with a real status (400, 429...) is an answer, whatever it was raised from; litellm
    gives a failed connection the status 500 of its own, or none.
    """
    status = getattr(error, "status_code", None)
    if isinstance(status, int) and status != 500:
        return False
    return bool(_chain_classes(error) & CONNECT_FAILURES)


def unreachable(error: BaseException, provider: str, api_base: str | None = None) -> str:
    """The sentences for a provider that could not be reached: the address tried, why, and what to check."""
    url, source = base_url(provider, api_base)
    place = f"could not connect to {_without_password(url)}" if url else "could not connect to the provider"
    return f"{place} ({_reason(error)}). {_hint(provider, url, source)}"


def _hint(provider: str, url: str | None, source: str | None) -> str:
    setting = "api_base in the config" if source == "api_base" else source or base_url_variables(provider)[0]
    if provider in OLLAMA:
        return f"Is Ollama running (`ollama serve`)? Check {setting}."
    if source is not None or (url is not None and is_local(url)):  # a server of the user's own
        return f"Is the server running? Check {setting}."
    return f"Is the network up? Check {setting}."


def is_local(url: str) -> bool:
    """Whether `url` points at this machine or a private network: a server the user runs."""
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    if host in ("localhost", "") or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


def _reason(error: BaseException) -> str:
    classes = _chain_classes(error)
    return next((reason for name, reason in _REASONS if name in classes), "connection failed")


def _chain_classes(error: BaseException) -> set[str]:
    """The class names (with their bases) of `error` and of the exceptions it was raised from."""
    names: set[str] = set()
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < _CHAIN_LIMIT:
        seen.add(id(current))
        names.update(cls.__name__ for cls in type(current).__mro__)
        current = current.__cause__ or current.__context__
    return names


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))
