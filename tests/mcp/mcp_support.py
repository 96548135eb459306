"""Helpers for the MCP tests: the fault server's config, on stdio or on streamable HTTP (real uvicorn)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

FAULT_SERVER = Path(__file__).with_name("fault_server.py")


def stdio_table(log: Path, **extra) -> dict:
    return {"command": sys.executable, "args": [str(FAULT_SERVER), "stdio"], "env": {"FAULT_LOG": str(log)}, **extra}


def notes(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def wait_for(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


async def eventually(condition, timeout: float = 15.0) -> bool:
    """`wait_for` for async tests: the event loop goes on (the client's tasks must run to make it true)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def http_server(log: Path, transport: str = "http"):
    """The fault server on streamable HTTP (or the legacy SSE transport) at 127.0.0.1, a real uvicorn; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(FAULT_SERVER), transport, str(port)], env={**os.environ, "FAULT_LOG": str(log)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: _listening(port)), "the HTTP fault server did not start"
        yield f"http://127.0.0.1:{port}/{'sse' if transport == 'sse' else 'mcp'}"
    finally:
        process.terminate()
        process.wait(10)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().rsplit(")", 1)[-1].split()[0] == "Z")
