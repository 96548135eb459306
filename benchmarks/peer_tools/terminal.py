"""A tool in a real terminal: its own tmux server, a 120x40 pane, the screen read by polling."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

TMUX = shutil.which("tmux") or "tmux"
POLL = 0.02  # seconds between screen reads


class Timeout(Exception):
    """The screen never showed what was awaited."""


class Pane:
    """One command in a 120x40 tmux pane of a tmux server of its own, with exactly `env`."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.socket = f"peers-{os.getpid()}-{time.monotonic_ns()}"
        command = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(argv)}"
        self.started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", command, env=env)

    def tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, env=env or dict(os.environ))
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 60.0) -> float:
        """perf_counter when the screen first satisfied `ready`."""
        deadline = time.perf_counter() + timeout
        screen = ""
        while time.perf_counter() < deadline:
            screen = self.screen()
            if ready(screen):
                return time.perf_counter()
            time.sleep(POLL)
        raise Timeout(screen)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", "b", "-l", text)

    def press(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def pid(self) -> int:
        return int(self.tmux("display", "-p", "-t", "b", "#{pane_pid}").strip())

    def rss_mb(self) -> float:
        return tree_rss_mb(self.pid())

    def close(self) -> None:
        self.tmux("kill-server")


def tree_rss_mb(root: int) -> float:
    """VmRSS summed over `root` and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent(entry)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_mb(pid)
        todo += children.get(pid, [])
    return total


def _parent(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _rss_mb(pid: int) -> float:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
