"""Where the service keeps its files in the data home: `service/` (0700) holding the token (0600), service.json
(written once the server listens, removed on a clean stop) and the log. Light imports only (not even pydantic):
the warm `agentsh run` reads these before anything else, and every millisecond of its start-up counts."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class ServiceInfo:
    """service.json: how to reach the running service and what it was started with."""

    url: str
    pid: int
    version: str
    protocol: int
    env: str
    home: str
    started_at: str
    idle_timeout: float
    socket: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> ServiceInfo | None:
        """The info in a service.json's object; None when a field is missing or of another type."""
        if not isinstance(data, dict):
            return None
        for field in dataclasses.fields(cls):
            value = data.get(field.name)
            if not isinstance(value, _FIELD_TYPES[field.name]) or isinstance(value, bool):
                return None
        return cls(**{field.name: data[field.name] for field in dataclasses.fields(cls)})


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "url": str, "pid": int, "version": str, "protocol": int, "env": str, "home": str, "started_at": str,
    "idle_timeout": (int, float), "socket": (str, type(None)),
}


def service_dir(home: Path) -> Path:
    return home / "service"


def token_path(home: Path) -> Path:
    return service_dir(home) / "token"


def info_path(home: Path) -> Path:
    return service_dir(home) / "service.json"


def log_path(home: Path) -> Path:
    return service_dir(home) / "service.log"


def ensure_service_dir(home: Path) -> Path:
    """The service folder, owner-only (0700) however it was found."""
    folder = service_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def ensure_token(home: Path) -> str:
    """The service's token: read, or created on first start (0600, in the 0700 folder)."""
    ensure_service_dir(home)
    path = token_path(home)
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, 0o600)
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    return token


def read_token(home: Path) -> str | None:
    try:
        return token_path(home).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def write_info(home: Path, info: ServiceInfo) -> None:
    """service.json, atomically: a reader sees the old file or the whole new one."""
    path = info_path(home)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(dataclasses.asdict(info), indent=2) + "\n")
    os.replace(partial, path)


def remove_info(home: Path, pid: int | None = None) -> None:
    """Remove service.json (only this process's own, when `pid` is given)."""
    info = read_info(home, check_alive=False)
    if pid is None or info is None or info.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            info_path(home).unlink()


def read_info(home: Path, check_alive: bool = True) -> ServiceInfo | None:
    """The running service's service.json; None when it is absent, unreadable or its process is gone."""
    try:
        info = ServiceInfo.from_json(json.loads(info_path(home).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    return info if info is not None and (not check_alive or _alive(info.pid)) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process has that pid now
        return False
    return True
