"""`agentsh serve`: the task service on uvicorn, on 127.0.0.1 (or a Unix socket), until SIGINT/SIGTERM or idle.

Once it listens it writes service.json (how to reach it) and prints one line; on every clean stop running tasks are
interrupted and saved, and service.json is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import stat
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from .. import __version__
from ..config import Settings, data_home
from ..errors import UsageError
from .address import check_host
from .app import create_app, service_extensions
from .compat import PROTOCOL, env_fingerprint
from .files import ServiceInfo, ensure_service_dir, ensure_token, log_path, remove_info, token_path, write_info
from .runner import TaskManager

SHUTDOWN_GRACE = 2  # seconds uvicorn waits for open connections (event streams of queued tasks) at a stop


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8719
    socket: Path | None = None
    concurrency: int = 4
    idle_timeout: float = 0.0
    allow_remote: bool = False


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service stops its tasks first, then the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Service:
    """One running service: its manager, its uvicorn server, and the stop that ends it."""

    def __init__(self, settings: Settings, options: ServeOptions, workspace: Path | None = None) -> None:
        self.settings, self.options = settings, options
        self.home = data_home(settings)
        self.token = ensure_token(self.home)
        self.manager = TaskManager(settings, self.home, options.concurrency, workspace)
        self.about = {
            "version": __version__, "protocol": PROTOCOL, "pid": os.getpid(), "env": env_fingerprint(os.environ), "home": str(self.home),
        }
        self.app = create_app(self.manager, self.token, self.about, service_extensions())
        self.stopping = asyncio.Event()
        self.url = ""
        self.server: _Server | None = None

    def stop(self) -> None:
        self.stopping.set()

    async def run(self, on_listening: Callable[[Service], None] = lambda service: None) -> None:
        """Serve until `stop` (or idle); service.json exists exactly while it listens."""
        listening = self._listen()
        config = uvicorn.Config(
            self.app, log_config=None, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        self.server = _Server(config)
        await self.manager.start()
        serving = asyncio.create_task(self.server.serve(sockets=[listening]))
        try:
            while not self.server.started and not serving.done():
                await asyncio.sleep(0.01)
            if serving.done():
                return await serving
            write_info(self.home, self._info())
            on_listening(self)
            self.manager.last_activity = time.monotonic()  # idle from now, not from the start of the imports
            idle = asyncio.create_task(self._watch_idle())
            await asyncio.wait([serving, asyncio.create_task(self.stopping.wait())], return_when=asyncio.FIRST_COMPLETED)
            idle.cancel()
            remove_info(self.home, os.getpid())  # clients stop coming at once
            await self.manager.shutdown()
            self.server.should_exit = True
            await serving
        finally:
            self.manager.close()
            remove_info(self.home, os.getpid())
            if self.options.socket is not None:
                with contextlib.suppress(OSError):
                    self.options.socket.unlink()

    def _listen(self) -> socket.socket:
        if self.options.socket is not None:
            listening = _unix_socket(self.options.socket)
            self.url = "http://localhost"
            return listening
        listening = _tcp_socket(self.options.host, self.options.port)
        host, port = listening.getsockname()[:2]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        return listening

    def _info(self) -> ServiceInfo:
        return ServiceInfo(
            url=self.url, socket=str(self.options.socket) if self.options.socket else None, pid=os.getpid(), version=__version__,
            protocol=PROTOCOL, env=str(self.about["env"]), home=str(self.home), started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            idle_timeout=self.options.idle_timeout,
        )

    async def _watch_idle(self) -> None:
        """Stop after `idle_timeout` seconds with no task queued, running or waiting, and no request."""
        limit = self.options.idle_timeout
        if limit <= 0:
            return
        while True:
            await asyncio.sleep(min(1.0, limit / 4))
            if not self.manager.busy() and time.monotonic() - self.manager.last_activity >= limit:
                self.stop()
                return


def _tcp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as problem:
        listening.close()
        hint = "; choose another with --port (0: any free port)" if problem.errno == 98 else ""
        raise UsageError(f"cannot listen on {host}:{port}: {problem.strerror or problem}{hint}") from None
    listening.set_inheritable(True)
    return listening


def _unix_socket(path: Path) -> socket.socket:
    """A Unix socket only its owner may use; a stale one (nothing listening) is replaced, anything else refused."""
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode) or _in_use(path):
            raise UsageError(f"--socket {path}: something is already there (a file, or a service listening); choose another path")
        path.unlink()
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listening.bind(str(path))
    except OSError as problem:
        listening.close()
        raise UsageError(f"cannot listen on the socket {path}: {problem.strerror or problem}") from None
    finally:
        os.umask(old)
    return listening


def _in_use(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def serve(settings: Settings, options: ServeOptions) -> int:
    """`agentsh serve`: one line saying where it listens and where the token is, then serve until stopped."""
    check_host(options.host, options.allow_remote)
    _log_to_file(data_home(settings))
    return asyncio.run(_serve(settings, options))


async def _serve(settings: Settings, options: ServeOptions) -> int:
    service = Service(settings, options)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, service.stop)
    await service.run(on_listening=_say_listening)
    print("agentsh: the service stopped", file=sys.stderr)
    return 0


def _say_listening(service: Service) -> None:
    where = service.options.socket or service.url
    print(f"agentsh: serving on {where} (token: {token_path(service.home)})", flush=True)


def _log_to_file(home: Path) -> None:
    """uvicorn's warnings and errors go to service/service.log, not to the terminal (a started-on-demand service has none)."""
    ensure_service_dir(home)
    os.close(os.open(log_path(home), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    handler = logging.FileHandler(log_path(home), encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("uvicorn", "uvicorn.error", "sse_starlette"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def options_from(values: dict[str, Any], settings: Settings) -> ServeOptions:
    """The flags given (None: not given) over the config's [service]."""
    configured = settings.service
    port = values.get("port")
    concurrency = values.get("concurrency")
    idle = values.get("idle_timeout")
    return ServeOptions(
        host=values.get("host") or "127.0.0.1", port=configured.port if port is None else port,
        socket=Path(values["socket"]).expanduser().absolute() if values.get("socket") else None,
        concurrency=configured.concurrency if concurrency is None else concurrency,
        idle_timeout=0.0 if idle is None else idle, allow_remote=bool(values.get("allow_remote")),
    )
