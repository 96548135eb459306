"""Helpers shared by the tests that drive a whole turn through a Session."""

from __future__ import annotations

import json

from agentsh.config import Settings
from agentsh.events import ApprovalRequest, TurnDone
from agentsh.models.schema_instance import instance_for
from agentsh.models.scripted import ScriptedModel
from agentsh.models.structured_output import SCHEMA_LEAD
from agentsh.session import Session
from agentsh.tools.approval import Decision
from agentsh.tools.tool import Tool

from fakeserver import Reply


def scripted_session(home, model: ScriptedModel, *tools: Tool, **settings) -> Session:
    """A real Session on a temporary data home, answering with `model`, offering `tools` too.

    Background consolidation is off unless `memory=` says otherwise: it would take the model's scripted replies.
    """
    settings.setdefault("memory", {"consolidate": False})
    session = Session.open(Settings(home=home, model="offline", **settings))
    session.model = model
    for item in tools:
        session.registry.add(item)
    return session


async def send(session: Session, text: str, answer: Decision | None = None) -> list:
    """The turn's events; approvals are answered with `answer` (leave it None only when none is expected)."""
    events = []
    async for event in session.send(text):
        if isinstance(event, ApprovalRequest) and answer is not None:
            event.decision.set_result(answer)
        events.append(event)
    return events


def of(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def done(events: list) -> TurnDone:
    assert isinstance(events[-1], TurnDone)
    return events[-1]


def load_bundled_plugin(name: str):
    """Import a bundled plugin file by path, as the plugin loader does."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"agentsh_plugin_test_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# /mode, /model, /fork, /new and /resume, the same in both UIs: each command, then the mode and model of
# the session open after it. A new session keeps the mode and model the user last chose, a fork copies
# them, a resumed session has its own. The UI starts on a session that has had one turn; `{past}` is
# `stored_planner_session`.
SWITCHING = [
    ("/mode chat", "chat", "offline"),
    ("/model ollama_chat/llama3.2", "chat", "ollama_chat/llama3.2"),
    ("/fork", "chat", "ollama_chat/llama3.2"),
    ("/new", "chat", "ollama_chat/llama3.2"),
    ("/resume {past}", "planner", "offline"),
    ("/new", "planner", "offline"),
]


def stored_planner_session(home) -> Session:
    """A stored session in planner mode, on the offline model, to resume."""
    session = Session.open(Settings(home=home, model="offline", mode="planner"))
    session.store.insert(session.record)
    return session


# A model behind the fake server that answers structured requests as a small local model does at each
# level of the structured-output ladder: the schema comes from response_format (json_schema) or from the
# prompt (json_object, or no response_format at all). Other requests fall through to the server's script.

def requested_schema(body: dict) -> dict | None:
    """The JSON schema a chat request asks the answer to follow (response_format or the system prompt), or None."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return response_format["json_schema"]["schema"]
    for message in body.get("messages") or []:
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            found = _schema_in(message["content"])
            if found is not None:
                return found
    return None


def _schema_in(text: str) -> dict | None:
    """The schema agentsh put in a prompt (after SCHEMA_LEAD); None in any other prompt."""
    decoder = json.JSONDecoder()
    lead = text.find(SCHEMA_LEAD)
    start = -1 if lead == -1 else text.find('{"', lead)
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict) and "properties" in value:
            return value
        start = text.find('{"', start + 1)
    return None


def requested_level(body: dict) -> str | None:
    """The structured-output level of a request (json_schema, json_object, prompt), None when it asks for no schema."""
    response_format = (body.get("response_format") or {}).get("type")
    if response_format in ("json_schema", "json_object"):
        return response_format
    return "prompt" if requested_schema(body) is not None else None


def following_schemas(text: str = "42"):
    """A fake-server route: a structured request gets a valid instance of its schema; others fall through."""

    def route(body: dict):
        schema = requested_schema(body)
        return None if schema is None else Reply(text=json.dumps(instance_for(schema, text)))

    return route
