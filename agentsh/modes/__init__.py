"""Orchestration modes, by name. Each lives in its own module, imported when first used."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from pydantic import ValidationError

from ..config import config_path, config_problem
from ..errors import ConfigError, UsageError
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
DEFAULT_MODE = "tools"


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
        raise UsageError(f"unknown mode {name!r}; choose one of: {', '.join(MODE_CLASSES)}, or workflow:NAME") from None
    return getattr(import_module(module), attribute)


def get_mode(name: str) -> Mode:
    if name.startswith(WORKFLOW_PREFIX) and name[len(WORKFLOW_PREFIX):]:
        from .workflow import WorkflowMode

        return WorkflowMode(name[len(WORKFLOW_PREFIX):])
    return mode_class(name)()


def check_mode_settings(tables: dict[str, dict[str, Any]]) -> None:
    """Every `[modes.NAME]` table of the config against its mode's schema; a ConfigError naming the key.

    Only the modes that have a table are imported.
    """
    for name, table in tables.items():
        schema = getattr(mode_class(name), "settings_schema", None)
        if schema is None:
            if table:
                raise ConfigError(f"{config_path()}: unknown key modes.{name}.{next(iter(table))} (the {name} mode has no settings)")
            continue
        try:
            schema.model_validate(table)
        except ValidationError as error:
            raise ConfigError(f"{config_path()}: {config_problem(error, schema, ('modes', name))}") from None
