"""Helpers shared by the tests that drive a whole turn through a Session."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.events import ApprovalRequest, TurnDone
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session
from agentsh.tools.approval import Decision
from agentsh.tools.tool import Tool


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
