"""agentsh: an interactive terminal shell for LLM agents.

Public API: `tool` and `on` (the plugin decorators), `Session`, and the event types. Attributes
are imported on first use, so `import agentsh` (and `agentsh --help`) stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "tool": "agentsh.tools.tool",
    "on": "agentsh.plugin_loader.hooks",
    "Tool": "agentsh.tools.tool",
    "Session": "agentsh.session",
    "Settings": "agentsh.config",
    "load_settings": "agentsh.config",
    "Event": "agentsh.events",
    "SessionInfo": "agentsh.events",
    "TextDelta": "agentsh.events",
    "ToolCall": "agentsh.events",
    "ToolResult": "agentsh.events",
    "Step": "agentsh.events",
    "ApprovalRequest": "agentsh.events",
    "Usage": "agentsh.events",
    "Notice": "agentsh.events",
    "MemoryRecall": "agentsh.events",
    "Compaction": "agentsh.events",
    "Error": "agentsh.events",
    "TurnDone": "agentsh.events",
    "AgentshError": "agentsh.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentsh' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
