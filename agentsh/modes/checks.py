"""The config's `[modes.*]` and `[agents.*]` tables, checked at start against the modes themselves.

`config.py` checks what it can alone (unknown mode names, a profile's own keys); this module knows
each mode's settings schema: a mode table's keys and values, a mode profile's settings, and every
agent a mode's settings name. Each problem is one ConfigError sentence with a "did you mean".
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from ..config import config_path, config_problem
from ..errors import ConfigError
from ..profiles import AgentProfile, resolve_profiles
from . import MODE_CLASSES, mode_class

# Where each mode's settings name agent profiles: a key, `key[]` for each item of a list, `a.b` inside a table.
AGENT_KEYS: dict[str, tuple[str, ...]] = {
    "debate": ("debaters[]", "moderator"),
    "parallel": ("branches[]", "aggregator"),
    "router": ("routes[]", "default"),
    "supervisor": ("workers[]",),
    "reflect": ("writer", "critic"),
    "pipeline": ("stages[].agent", "stages[].gate.agent"),
    "events": ("subscriptions[].agent",),
}


# Agents that make a structured decision (a verdict, a vote, a plan, a route): one call with the profile's prompt and
# model, which a mode profile cannot give. A function of the validated settings, for what depends on them.
DECISION_KEYS: dict[str, Any] = {
    "reflect": lambda s: [("critic", s["critic"])],
    "pipeline": lambda s: [(key, name) for key, name in referenced_agents("pipeline", s) if key.endswith(".gate.agent")],
    "parallel": lambda s: [("aggregator", s["aggregator"])] if s["aggregate"] == "vote" else [],
}
# Agents that, besides their work, cast a structured ballot with their own prompt: a remote agent cannot.
BALLOT_KEYS: dict[str, Any] = {
    "debate": lambda s: [(f"debaters[{i}]", name) for i, name in enumerate(s["debaters"])] if s["judge"] == "vote" else [],
}
DECIDING_PROFILES = {"planner": "the planner mode's plans", "router": "the router mode's routes"}


def check_config(tables: dict[str, dict[str, Any]], agents: dict[str, AgentProfile]) -> None:
    """Every mode table and mode profile of the config, and the agents they name; ConfigError on the first problem."""
    profiles = resolve_profiles(agents)
    for name, role in DECIDING_PROFILES.items():
        if profiles[name].mode is not None:
            raise ConfigError(f"{config_path()}: agents.{name}.mode: the {name} profile makes {role}, one structured call: it cannot be a mode")
        if profiles[name].url is not None:
            raise ConfigError(
                f"{config_path()}: agents.{name}.url: the {name} profile makes {role}, one structured call with the local model: "
                "it cannot be a remote agent"
            )
    for name, table in tables.items():
        _check_settings(mode_class(name), name, table, ("modes", name), profiles)
    for name, profile in profiles.items():
        if profile.mode is not None and profile.mode in MODE_CLASSES:
            table = {**tables.get(profile.mode, {}), **profile.mode_settings}
            _check_settings(mode_class(profile.mode), profile.mode, table, ("agents", name), profiles)


def _check_settings(cls: type, mode: str, table: dict[str, Any], where: tuple[str, ...], profiles: dict[str, AgentProfile]) -> None:
    schema: type[BaseModel] | None = getattr(cls, "settings_schema", None)
    if schema is None:
        if table:
            raise ConfigError(f"{config_path()}: unknown key {'.'.join(where)}.{next(iter(table))} (the {mode} mode has no settings)")
        return
    try:
        settings = schema.model_validate(table)
    except ValidationError as error:
        raise ConfigError(f"{config_path()}: {config_problem(error, schema, where)}") from None
    values = settings.model_dump()
    for key, agent in referenced_agents(mode, values):
        if agent not in profiles:
            raise ConfigError(f"{config_path()}: {'.'.join(where)}.{key}: unknown agent {agent!r}{_suggestion(agent, profiles)}")
    for key, agent in DECISION_KEYS.get(mode, _none)(values):
        _refuse_remote(where, key, agent, profiles[agent])
        if profiles[agent].mode is not None:
            raise ConfigError(
                f"{config_path()}: {'.'.join(where)}.{key}: {agent!r} is a {profiles[agent].mode} mode profile; "
                "this agent gives a structured decision in one call: name an agent that is not a mode"
            )
    for key, agent in BALLOT_KEYS.get(mode, _none)(values):
        _refuse_remote(where, key, agent, profiles[agent])


def _none(settings: dict[str, Any]) -> list[tuple[str, str]]:
    return []


def _refuse_remote(where: tuple[str, ...], key: str, agent: str, profile: AgentProfile) -> None:
    if profile.url is not None:
        raise ConfigError(
            f"{config_path()}: {'.'.join(where)}.{key}: {agent!r} is a remote agent; "
            "this agent gives a structured decision in one call: name a local agent"
        )


def referenced_agents(mode: str, settings: dict[str, Any]) -> list[tuple[str, str]]:
    """(dotted key, agent name) of every agent profile a mode's settings name."""
    found: list[tuple[str, str]] = []
    for path in AGENT_KEYS.get(mode, ()):
        found += _walk(settings, path.split("."), "")
    return found


def _walk(value: Any, parts: list[str], prefix: str) -> list[tuple[str, str]]:
    if not parts:
        return [(prefix, value)] if isinstance(value, str) else []
    head, rest = parts[0], parts[1:]
    key, each = head.removesuffix("[]"), head.endswith("[]")
    child = value.get(key) if isinstance(value, dict) else None
    here = f"{prefix}.{key}" if prefix else key
    if not each:
        return _walk(child, rest, here)
    items = child if isinstance(child, list) else []
    return [hit for i, item in enumerate(items) for hit in _walk(item, rest, f"{here}[{i}]")]


def _suggestion(name: str, profiles: dict[str, AgentProfile]) -> str:
    close = difflib.get_close_matches(name, list(profiles), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known agents: {', '.join(profiles)}"
