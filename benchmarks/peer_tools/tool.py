"""What the benchmark knows of a tool: how to start it at a prompt, ask it once, resume a conversation."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .fake import MODEL, PeerServer

FULL_SCREEN, LINE = "full-screen", "line mode"
TURNS = 200  # the resumed conversation's length
BLOCKED_PROXY = "http://127.0.0.1:9"  # nothing listens: any request past 127.0.0.1 fails at once


@dataclass
class Mode:
    """One way to open a tool at an interactive prompt, and to open it on the 200-turn conversation."""

    kind: str
    label: str
    argv: list[str]
    ready: Callable[[str], bool]
    resume_argv: list[str] | None = None
    resume_ready: Callable[[str], bool] | None = None
    no_resume: str = "n/a"
    submit: tuple[str, ...] = ("Enter",)  # the keys that send what was typed


@dataclass
class Tool:
    """A tool under test; subclasses fill in its commands and its config."""

    name: str
    bin_dir: Path
    home: Path = field(default=Path("/nonexistent"))
    server: PeerServer | None = None
    skipped: str = ""  # why the tool is not measured, when it is not
    setup = ""  # what the tool needed to talk to the fake server (for peers.md)

    def exe(self, name: str) -> str:
        return str(self.bin_dir / name)

    def version(self) -> str:
        raise NotImplementedError

    def prepare(self) -> None:
        """Write the tool's config pointing at the fake server, and the 200-turn conversation."""

    def modes(self) -> list[Mode]:
        raise NotImplementedError

    def oneshot(self) -> list[str] | None:
        """The command that asks one question and prints the answer, or None."""
        return None

    no_oneshot: str = "n/a (no one-shot command)"

    def env(self) -> dict[str, str]:
        """A private home and config, the fake server's address, no telemetry, no network beyond 127.0.0.1."""
        assert self.server is not None
        home = self.home
        return {
            "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"), "XDG_STATE_HOME": str(home / ".local/state"),
            "PATH": f"{self.bin_dir}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "TERM": "xterm-256color", "COLORTERM": "truecolor",
            "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": self.server.base_url, "OPENAI_API_BASE": self.server.base_url,
            "HTTP_PROXY": BLOCKED_PROXY, "HTTPS_PROXY": BLOCKED_PROXY, "ALL_PROXY": BLOCKED_PROXY,
            "http_proxy": BLOCKED_PROXY, "https_proxy": BLOCKED_PROXY, "all_proxy": BLOCKED_PROXY,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "DO_NOT_TRACK": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False",
            "PYTHONWARNINGS": "ignore",
        }

    @property
    def model(self) -> str:
        return MODEL

    def run_quietly(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, capture_output=True, text=True, env=self.env(), cwd=self.workdir, timeout=timeout)

    @property
    def workdir(self) -> Path:
        folder = self.home / "work"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def last_line_starts(prefix: str) -> Callable[[str], bool]:
    """The screen's last non-blank line starts with `prefix`: a line prompt waiting for input."""

    def ready(screen: str) -> bool:
        lines = [line for line in screen.splitlines() if line.strip()]
        return bool(lines) and lines[-1].lstrip().startswith(prefix)

    return ready


def shows(*markers: str) -> Callable[[str], bool]:
    return lambda screen: all(marker in screen for marker in markers)


def pip_version(python: Path, distribution: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    return done.stdout.strip() or "?"
