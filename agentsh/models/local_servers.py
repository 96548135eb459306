"""Model servers: which ones answer, what models they serve, and how litellm reaches them.

An OpenAI-compatible server lists its models at `GET {base}/models` (`base` ends in `/v1`, as
OPENAI_BASE_URL does); Ollama at `GET {host}/api/tags`. Probed: the configured servers
(OPENAI_BASE_URL or OPENAI_API_BASE; OLLAMA_API_BASE or OLLAMA_HOST), then the usual local
ports. AGENTSH_LOCAL_SERVERS replaces the usual ports: base URLs separated by spaces or
commas, `ollama=URL` for an Ollama; empty, none are probed (the tests set it).

A server's answer is untrusted: the body is bounded, and a model name that is not short
printable text is left out.
"""

from __future__ import annotations

import os
import shlex
import socket
import time
import unicodedata
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

Api = Literal["openai", "ollama"]

USUAL_PORTS: list[tuple[Api, str, str]] = [
    ("openai", "http://127.0.0.1:8080/v1", "the usual port of llama.cpp's llama-server"),
    ("openai", "http://127.0.0.1:8000/v1", "the usual port of llama-cpp-python and vLLM"),
    ("openai", "http://127.0.0.1:1234/v1", "the usual port of LM Studio"),
    ("ollama", "http://127.0.0.1:11434", "the usual port of Ollama"),
]
OLLAMA_PORT = 11434
LOCAL_TIMEOUT = 0.5  # seconds per step (connect, read) for a server on this machine: one that answers does so in milliseconds
REMOTE_TIMEOUT = 5.0
WHOLE_ANSWER = 4  # times the step timeout: a server that drips its answer is cut off there
MAX_BODY = 1_000_000
MAX_MODELS = 500
MAX_NAME = 200
PLACEHOLDER_KEY = "local"  # litellm's openai/ provider wants a key; local servers ignore it


@dataclass(frozen=True)
class Server:
    api: Api
    url: str  # OpenAI-compatible: the base ending in /v1; Ollama: scheme, host and port
    source: str  # why it is probed, as the user would recognise it
    configured: bool = False  # the user pointed agentsh at it: its failure is worth a line

    @property
    def list_url(self) -> str:
        return f"{self.url}/models" if self.api == "openai" else f"{self.url}/api/tags"

    @property
    def local(self) -> bool:
        host = urlsplit(self.url).hostname or "" if valid_url(self.url) else ""
        return host in ("localhost", "::1") or host.startswith("127.")

    @property
    def label(self) -> str:
        return f"{'OpenAI-compatible server' if self.api == 'openai' else 'Ollama'} at {self.url}"


@dataclass
class Listing:
    """What one server answered: its model names, or why there are none."""

    server: Server
    models: list[str] = field(default_factory=list)
    error: str | None = None

    def model_string(self, name: str) -> str:
        """The litellm model string for one of this server's models."""
        return f"openai/{name}" if self.server.api == "openai" else f"ollama_chat/{name}"

    def environment(self, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
        """The variables litellm needs to reach this server, beyond those already set to it."""
        url = self.server.url
        if self.server.api == "ollama":
            configured = environ.get("OLLAMA_API_BASE")  # litellm's; without it, litellm goes to localhost:11434
            at_default = not configured and self.server.local and urlsplit(url).port == OLLAMA_PORT
            return {} if at_default or _same(configured, url) else {"OLLAMA_API_BASE": url}
        needed = {} if _same(environ.get("OPENAI_BASE_URL") or environ.get("OPENAI_API_BASE"), url) else {"OPENAI_BASE_URL": url}
        return needed if environ.get("OPENAI_API_KEY") else {**needed, "OPENAI_API_KEY": PLACEHOLDER_KEY}

    def usage(self, name: str, environ: Mapping[str, str] = os.environ) -> str:
        """A command line that starts agentsh on `name` from this server."""
        variables = [f"{key}={shlex.quote(value)}" for key, value in self.environment(environ).items()]
        return " ".join([*variables, "agentsh", "--model", shlex.quote(self.model_string(name))])

    def problem(self) -> str:
        """The error as one line naming the server."""
        where = self.server.list_url if valid_url(self.server.url) else repr(self.server.url)
        return f"{where} ({self.server.source}): {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "api": self.server.api, "url": self.server.url, "source": self.server.source, "ok": self.error is None,
            "error": self.error, "environment": self.environment() if self.error is None else {},
            "models": [{"name": name, "model": self.model_string(name)} for name in self.models],
        }


def valid_url(url: str) -> bool:
    """An http(s) URL with a host, a port that is a port, and nothing after the path."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment


def _same(configured: str | None, url: str) -> bool:
    return bool(configured) and str(configured).rstrip("/") == url


# which servers -----------------------------------------------------------------------------------


def servers_to_probe(environ: Mapping[str, str] = os.environ) -> list[Server]:
    """The configured servers first, then the usual local ports; each URL once."""
    found: dict[str, Server] = {}
    for server in [*_configured(environ), *_usual(environ)]:
        found.setdefault(server.list_url, server)
    return list(found.values())


def _configured(environ: Mapping[str, str]) -> list[Server]:
    servers = []
    for variable in ("OPENAI_BASE_URL", "OPENAI_API_BASE"):
        if environ.get(variable):
            servers.append(Server("openai", environ[variable].strip().rstrip("/"), variable, configured=True))
            break
    for variable in ("OLLAMA_API_BASE", "OLLAMA_HOST"):
        if environ.get(variable):
            servers.append(Server("ollama", ollama_url(environ[variable]), variable, configured=True))
            break
    return servers


def _usual(environ: Mapping[str, str]) -> list[Server]:
    override = environ.get("AGENTSH_LOCAL_SERVERS")
    if override is None:
        return [Server(api, url, source) for api, url, source in USUAL_PORTS]
    servers = []
    for entry in override.replace(",", " ").split():
        api, _, url = entry.partition("=") if entry.startswith(("ollama=", "openai=")) else ("openai", "", entry)
        base = ollama_url(url) if api == "ollama" else url.rstrip("/")
        servers.append(Server("ollama" if api == "ollama" else "openai", base, "AGENTSH_LOCAL_SERVERS"))
    return servers


def ollama_url(value: str) -> str:
    """OLLAMA_HOST as Ollama reads it (`host`, `host:port`, a URL; 0.0.0.0 means this machine) as a URL."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    host = parts.hostname or "127.0.0.1"
    host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    try:
        port = parts.port or (443 if parts.scheme == "https" else OLLAMA_PORT)
    except ValueError:  # a port that is not a number: probed as written, it fails with a clear line
        return text.rstrip("/")
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}:{port}{parts.path.rstrip('/')}"


# asking them ---------------------------------------------------------------------------------------


def probe_all(servers: list[Server], timeout: float | None = None) -> list[Listing]:
    """Every server's listing, asked concurrently; in the order given."""
    if not servers:
        return []
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        return list(pool.map(lambda server: list_models(server, timeout), servers))


def list_models(server: Server, timeout: float | None = None) -> Listing:
    """One server's model list; a failure is the listing's one-line `error`, never an exception."""
    import httpx

    if not valid_url(server.url):
        return Listing(server, error="not an http:// or https:// URL")
    limit = timeout or (LOCAL_TIMEOUT if server.local else REMOTE_TIMEOUT)
    try:
        status, body = _get(server, limit)
    except httpx.TimeoutException:
        return Listing(server, error=f"no answer within {limit:g} s")
    except httpx.HTTPError as error:
        return Listing(server, error=_connection_problem(error))
    except ValueError as error:
        return Listing(server, error=str(error))
    if status != 200:
        hint = ": check OPENAI_API_KEY" if status in (401, 403) and server.api == "openai" else ""
        return Listing(server, error=f"answered HTTP {status}{hint}")
    names = _names(server.api, body)
    if names is None:
        return Listing(server, error="answered, but not with a list of models")
    return Listing(server, models=names)


def _get(server: Server, limit: float) -> tuple[int, bytes]:
    """Status and body (at most MAX_BODY bytes; each step within `limit` seconds, the whole within WHOLE_ANSWER times that)."""
    import httpx

    headers = {"Accept": "application/json"}
    key = os.environ.get("OPENAI_API_KEY")
    if server.configured and server.api == "openai" and key:  # only where litellm would send it too
        headers["Authorization"] = f"Bearer {key}"
    deadline = time.monotonic() + WHOLE_ANSWER * limit
    # A plain-http URL never uses TLS (redirects are not followed): loading the CA bundle would cost ~100 ms.
    verify = server.url.startswith("https:")
    with (
        httpx.Client(timeout=limit, trust_env=not server.local, verify=verify) as client,
        client.stream("GET", server.list_url, headers=headers) as response,
    ):
        body = b""
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_BODY:
                raise ValueError(f"answered with more than {MAX_BODY // 1_000_000} MB: not a model list")
            if time.monotonic() > deadline:
                raise ValueError(f"too slow: the model list took more than {WHOLE_ANSWER * limit:g} s")
        return response.status_code, body


def _connection_problem(error: Exception) -> str:
    text = str(error) or type(error).__name__
    if "refused" in text.lower() or "connect call failed" in text.lower():
        return "nothing answers (connection refused): is the server running?"
    return f"cannot connect ({text[:200]})"


def _names(api: Api, body: bytes) -> list[str] | None:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    entries = data.get("data" if api == "openai" else "models")
    if not isinstance(entries, list):
        return None
    key = "id" if api == "openai" else "name"
    names = [entry.get(key) for entry in entries if isinstance(entry, dict)]
    return [name for name in names if isinstance(name, str) and _plain(name)][:MAX_MODELS]


def _plain(name: str) -> bool:
    """Short printable text: a name shown on a terminal and put in a suggested command."""
    return 0 < len(name) <= MAX_NAME and not any(unicodedata.category(c)[0] in "CZ" and c != " " for c in name)


# the first-start offer -----------------------------------------------------------------------------


def local_offer(environ: Mapping[str, str] = os.environ) -> str | None:
    """With no model configured: a sentence offering a model server running on this machine, or None.

    Only servers on this machine are asked, and only those whose port accepts a connection
    (which costs microseconds when nothing listens), so a start without one is not slowed.
    """
    listening = [s for s in servers_to_probe(environ) if s.local and _accepts(s)]
    for listing in probe_all(listening):
        if listing.error is None and listing.models:
            name, more = listing.models[0], len(listing.models) - 1
            others = f" (and {more} more: see `agentsh models`)" if more else ""
            return f"A local model server is running at {listing.server.url} with the model {name}{others}: to use it, run `{listing.usage(name, environ)}`"
        if listing.error is None and listing.server.api == "ollama":
            return f"Ollama is running at {listing.server.url} but has no model yet: run `ollama pull llama3.2`, then `{listing.usage('llama3.2', environ)}`"
    return None


def _accepts(server: Server) -> bool:
    if not valid_url(server.url):
        return False
    parts = urlsplit(server.url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=LOCAL_TIMEOUT):
            return True
    except (OSError, ValueError):
        return False
