"""`events`: agents subscribed to event types; each answer is published as a new event."""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError
from agentsh.events import Notice, Step, TextDelta
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session

from helpers import send


def open_session(home, model, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="events", **settings))
    session.model = model
    return session


def event_steps(events: list) -> list[tuple[str, str, str | None]]:
    """(status, event type, agent) of every event step, in order."""
    return [(e.status, e.data.get("type"), e.data.get("agent")) for e in events if isinstance(e, Step) and e.kind == "event"]


async def test_the_default_chain_runs_in_order_and_the_unhandled_draft_is_the_answer(home):
    model = ScriptedModel("the notes", "the draft")
    session = open_session(home, model)

    events = await send(session, "explain WAL")

    assert event_steps(events) == [
        ("published", "user_message", None),
        ("delivered", "user_message", "researcher"),
        ("published", "notes", None),
        ("delivered", "notes", "writer"),
        ("published", "draft", None),
        ("unhandled", "draft", None),
    ]
    researcher, writer = model.requests
    assert researcher.messages[0].content.startswith("You are a careful researcher")
    assert researcher.messages[-1].content == "explain WAL"
    assert writer.messages[0].content.startswith("You are a clear writer")
    assert "the notes" in writer.messages[-1].content and "explain WAL" in writer.messages[-1].content
    speakers = [e.agent for e in events if isinstance(e, TextDelta)]
    assert [a for i, a in enumerate(speakers) if i == 0 or speakers[i - 1] != a] == ["researcher", "writer", None]
    assert events[-1].output == "the draft" == session.history()[-1].content


async def test_max_events_stops_a_loop_and_says_so(home):
    model = ScriptedModel(default=lambda request: f"echo {len(model.requests)}")
    loop = {"subscriptions": [{"agent": "assistant", "on": "ping", "emits": "ping"},
                              {"agent": "assistant", "on": "user_message", "emits": "ping"}], "max_events": 4}
    session = open_session(home, model, modes={"events": loop})

    events = await send(session, "start")

    assert len(model.requests) == 3  # user_message + 3 answers = 4 events
    assert [s for s in event_steps(events) if s[0] == "published"] == [("published", "user_message", None)] + [("published", "ping", None)] * 3
    [stopped] = [e for e in events if isinstance(e, Step) and e.status == "stopped"]
    assert stopped.data["dropped"] == ["ping #4"]
    assert any(isinstance(e, Notice) and "max_events" in e.message for e in events)
    assert events[-1].output.startswith("echo 3") and "stopped after 4 events" in events[-1].output
    assert not events[-1].failed


async def test_every_subscriber_gets_the_event_and_unhandled_events_are_recorded(home):
    model = ScriptedModel(default=lambda request: "from " + request.messages[0].content.split()[3])
    fan_out = {"subscriptions": [{"agent": "coder", "on": "user_message", "emits": "code"},
                                 {"agent": "critic", "on": "user_message", "emits": "review"}]}
    session = open_session(home, model, modes={"events": fan_out})

    events = await send(session, "go")

    unhandled = [e for e in events if isinstance(e, Step) and e.status == "unhandled"]
    assert [(s.data["type"], s.data["source"]) for s in unhandled] == [("code", "coder"), ("review", "critic")]
    assert events[-1].output == unhandled[-1].data["payload"] == "from demanding"


async def test_an_unknown_agent_fails_before_any_call(home):
    model = ScriptedModel()
    bad = {"subscriptions": [{"agent": "nobody", "on": "user_message", "emits": "x"}]}

    with pytest.raises(ConfigError, match=r"modes\.events\.subscriptions\[0\]\.agent: unknown agent 'nobody'"):
        open_session(home, model, modes={"events": bad})

    assert model.requests == []
