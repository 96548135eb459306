"""What tools may ask about where they run: the workspace root, and what they must never touch.

Each turn runs inside `using(session_context)`; tools read it at call time:

    from agentsh.tools.context import workspace_root, is_protected

Outside a turn (a command, a test calling a tool directly) the workspace is the current
directory and nothing is protected.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ToolContext:
    """The folder file tools are confined to, and agentsh's own files no tool may write."""

    workspace: Path
    protected: tuple[Path, ...] = ()

    @classmethod
    def create(cls, workspace: Path, protected: Iterable[Path] = ()) -> ToolContext:
        """Paths resolved once: the workspace as given, protected paths with symlinks followed."""
        return cls(Path(workspace).resolve(), tuple(Path(os.path.realpath(p)) for p in protected))


_current: ContextVar[ToolContext | None] = ContextVar("agentsh_tool_context", default=None)


@contextmanager
def using(context: ToolContext) -> Iterator[ToolContext]:
    """Make `context` the one tools see, in this task (and the threads it starts tools in)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current() -> ToolContext:
    return _current.get() or ToolContext(Path.cwd().resolve())


def workspace_root() -> Path:
    """The folder file tools are confined to (the directory agentsh started in, by default)."""
    return current().workspace


def protected_paths() -> list[Path]:
    """agentsh's own config, plugin directories, trust list and data home: no tool may write there."""
    return list(current().protected)


def is_protected(path: Path) -> bool:
    """True when `path` (resolved, symlinks followed) is or lies inside a protected path."""
    real = Path(os.path.realpath(path))
    return any(real == p or p in real.parents for p in current().protected)


# The call a tool runs for: where its progress goes (the executor sets it around each call).
Progress = Callable[[float, float | None, str | None], None]
_progress: ContextVar[Progress | None] = ContextVar("agentsh_tool_progress", default=None)


@contextmanager
def reporting_progress(report: Progress) -> Iterator[None]:
    token = _progress.set(report)
    try:
        yield
    finally:
        _progress.reset(token)


def progress_reporter() -> Progress:
    """Where the running tool call's progress goes (its block); outside a call, nowhere. Take it at the
    call's start when progress is reported from another task (an MCP server's notifications)."""
    return _progress.get() or _nowhere


def _nowhere(done: float, total: float | None, message: str | None) -> None:
    return None
