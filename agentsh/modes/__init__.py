"""Orchestration modes, by name. Each lives in its own module, imported when first used."""

from __future__ import annotations

import difflib
from importlib import import_module
from typing import Any

from ..config import DEFAULT_MODE as DEFAULT_MODE
from ..errors import UsageError
from ..profiles import AgentProfile
from .base import Mode

MODE_CLASSES: dict[str, str] = {
    "chat": "agentsh.modes.chat:ChatMode",
    "tools": "agentsh.modes.tools:ToolsMode",
    "react": "agentsh.modes.react:ReactMode",
    "pipeline": "agentsh.modes.pipeline:PipelineMode",
    "router": "agentsh.modes.router:RouterMode",
    "planner": "agentsh.modes.planner:PlannerMode",
    "supervisor": "agentsh.modes.supervisor:SupervisorMode",
    "parallel": "agentsh.modes.parallel:ParallelMode",
    "reflect": "agentsh.modes.reflect:ReflectMode",
    "debate": "agentsh.modes.debate:DebateMode",
    "consensus": "agentsh.modes.consensus:ConsensusMode",
    "events": "agentsh.modes.choreography:EventsMode",
}


def mode_names() -> list[str]:
    return list(MODE_CLASSES)


WORKFLOW_PREFIX = "workflow:"  # `workflow:NAME` runs the workflow file NAME as a mode


def mode_class(name: str) -> type[Mode]:
    if name.startswith(WORKFLOW_PREFIX) and name[len(WORKFLOW_PREFIX):]:
        from .workflow import WorkflowMode

        return WorkflowMode
    try:
        module, attribute = MODE_CLASSES[name].split(":")
    except KeyError:
        close = difflib.get_close_matches(name, list(MODE_CLASSES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(f"unknown mode {name!r}{hint}; choose one of: {', '.join(MODE_CLASSES)}, or workflow:NAME") from None
    return getattr(import_module(module), attribute)


def get_mode(name: str) -> Mode:
    if name.startswith(WORKFLOW_PREFIX) and name[len(WORKFLOW_PREFIX):]:
        from .workflow import WorkflowMode

        return WorkflowMode(name[len(WORKFLOW_PREFIX):])
    return mode_class(name)()


def check_mode_settings(tables: dict[str, dict[str, Any]], agents: dict[str, AgentProfile] | None = None) -> None:
    """Every `[modes.NAME]` table and mode profile of the config, and the agents they name (modes/checks.py).

    Only the modes that are configured are imported.
    """
    from .checks import check_config

    check_config(tables, agents or {})
