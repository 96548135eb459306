"""The task service started on demand (`agentsh run --background`, `agentsh jobs attach`...): users never
start it by hand. It runs detached — its own session, no stdin, its output in service/service.log — and
stops itself after `idle_timeout` seconds without work. A lock file makes two racing starts one service.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ServiceError
from .client import ServiceClient
from .files import ensure_service_dir, log_path

START_TIMEOUT = 30.0  # seconds: a cold start imports litellm and opens the store, on a busy machine too
POLL = 0.05


def ensure_service(home: Path, idle_timeout: float, start_timeout: float = START_TIMEOUT) -> ServiceClient:
    """A client of the service for `home`: the running one, or one started now. ServiceError naming
    the log when it does not come up."""
    client = _answering(home)
    if client is not None:
        return client
    with _start_lock(home):
        client = _answering(home)  # a racing start won: use its service
        if client is not None:
            return client
        process = _spawn(home, idle_timeout)
        return _wait_until_ready(home, process, start_timeout)


def _answering(home: Path) -> ServiceClient | None:
    client = ServiceClient.for_home(home)
    if client is None:
        return None
    try:
        client.health()
    except ServiceError:
        client.close()
        return None
    return client


@contextmanager
def _start_lock(home: Path) -> Iterator[None]:
    with open(ensure_service_dir(home) / "start.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _spawn(home: Path, idle_timeout: float) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "agentsh", "serve", "--port", "0", "--idle-timeout", f"{idle_timeout:g}", "--home", str(home.absolute()),
    ]
    log = os.open(log_path(home), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
        )
    finally:
        os.close(log)


def _wait_until_ready(home: Path, process: subprocess.Popen[bytes], timeout: float) -> ServiceClient:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"the task service did not start (it exited with status {process.returncode}): see {log_path(home)}")
        client = _answering(home)
        if client is not None:
            return client
        time.sleep(POLL)
    raise ServiceError(f"the task service did not answer within {timeout:g} s of starting: see {log_path(home)}")
