"""Orchestration modes, by name."""

from __future__ import annotations

from ..errors import UsageError
from .base import Mode
from .chat import ChatMode
from .tools import ToolsMode

MODES: dict[str, type] = {mode.name: mode for mode in (ChatMode, ToolsMode)}
DEFAULT_MODE = "tools"


def mode_names() -> list[str]:
    return list(MODES)


def get_mode(name: str) -> Mode:
    try:
        return MODES[name]()
    except KeyError:
        raise UsageError(f"unknown mode {name!r}; choose one of: {', '.join(MODES)}") from None
