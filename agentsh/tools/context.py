"""What tools may ask about where they run: the workspace root, and what they must never touch.

The session sets these when it opens. Tools read them at call time:

    from agentsh.tools.context import workspace_root, is_protected
"""

from __future__ import annotations

import os
from pathlib import Path

_workspace: Path | None = None
_protected: list[Path] = []


def set_workspace(root: Path) -> None:
    global _workspace
    _workspace = Path(root).resolve()


def workspace_root() -> Path:
    """The folder file tools are confined to (the directory agentsh started in, by default)."""
    return _workspace or Path.cwd().resolve()


def set_protected(paths: list[Path]) -> None:
    """agentsh's own config, plugin directories, trust list and data home: no tool may write there."""
    global _protected
    _protected = [Path(os.path.realpath(p)) for p in paths]


def protected_paths() -> list[Path]:
    return list(_protected)


def is_protected(path: Path) -> bool:
    """True when `path` (resolved, symlinks followed) is or lies inside a protected path."""
    real = Path(os.path.realpath(path))
    return any(real == p or p in real.parents for p in _protected)
