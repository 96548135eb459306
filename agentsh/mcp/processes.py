"""Which child process is which server, and the last-resort stop of any left at exit.

The SDK starts each stdio server in a process group of its own and stops it (stdin closed, then
SIGTERM, then SIGKILL to the group) when its connection closes. What it does not say is the
server's process id: agentsh marks each server's environment and finds its child by that mark
(Linux: /proc), to show it in /mcp and to stop the group at exit if a connection was never closed.
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from pathlib import Path


def find_marked_child(variable: str, marker: str) -> int | None:
    """The id of this process's child whose environment has `variable=marker`; None where /proc cannot tell."""
    wanted = f"{variable}={marker}".encode()
    for entry in _children():
        with suppress(OSError):
            if wanted in (Path("/proc") / str(entry) / "environ").read_bytes().split(b"\0"):
                return entry
    return None


def _children() -> list[int]:
    me = os.getpid()
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if name.isdigit() and _parent_of(name) == me:
            found.append(int(name))
    return found


def _parent_of(pid: str) -> int | None:
    try:
        stat = (Path("/proc") / pid / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after the command name, which may hold spaces and parentheses
    return int(fields[1]) if len(fields) > 1 else None


def stop_groups(pids: list[int]) -> None:
    """SIGTERM the process group each server leads (they run in groups of their own); gone ones are skipped."""
    for pid in pids:
        with suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
