"""agentsh: an interactive terminal shell for LLM agents.

Public API: `tool`, `step` and `on` (the plugin decorators), `Session`, and the event types. Attributes
are imported on first use, so `import agentsh` (and `agentsh --help`) stays light; the imports
under TYPE_CHECKING give type checkers the same names, and are never run.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Settings, load_settings
    from .errors import AgentshError
    from .events import (
        ApprovalRequest,
        Compaction,
        ElicitationRequest,
        Error,
        Event,
        MemoryRecall,
        Notice,
        SamplingRequest,
        SessionInfo,
        Step,
        TextDelta,
        ToolCall,
        ToolResult,
        TurnDone,
        Usage,
        Waiting,
    )
    from .plugin_loader.hooks import on
    from .session import Session
    from .tools.steps import step
    from .tools.tool import Tool, tool

__version__ = "0.1.0"

__all__ = [
    "AgentshError",
    "ApprovalRequest",
    "Compaction",
    "ElicitationRequest",
    "Error",
    "Event",
    "MemoryRecall",
    "Notice",
    "SamplingRequest",
    "Session",
    "SessionInfo",
    "Settings",
    "Step",
    "TextDelta",
    "Tool",
    "ToolCall",
    "ToolResult",
    "TurnDone",
    "Usage",
    "Waiting",
    "__version__",
    "load_settings",
    "on",
    "step",
    "tool",
]

_EXPORTS = {
    "tool": "agentsh.tools.tool",
    "step": "agentsh.tools.steps",
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
    "ElicitationRequest": "agentsh.events",
    "SamplingRequest": "agentsh.events",
    "Usage": "agentsh.events",
    "Notice": "agentsh.events",
    "MemoryRecall": "agentsh.events",
    "Compaction": "agentsh.events",
    "Error": "agentsh.events",
    "TurnDone": "agentsh.events",
    "Waiting": "agentsh.events",
    "AgentshError": "agentsh.errors",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentsh' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
