"""`reflect`: draft → critique → revise, until the critic passes the draft or rounds run out."""

from __future__ import annotations

import json

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError
from agentsh.events import Notice, Step, TextDelta
from agentsh.models.scripted import ScriptedModel
from agentsh.modes.reflect import Verdict
from agentsh.session import Session

from helpers import send


def open_session(home, model, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="reflect", **settings))
    session.model = model
    return session


def steps(events: list, kind: str) -> list[Step]:
    return [e for e in events if isinstance(e, Step) and e.kind == kind]


def verdict(value: str, feedback: str = "") -> str:
    return json.dumps({"verdict": value, "feedback": feedback})


async def test_revise_then_pass(home):
    model = ScriptedModel("def f(x): return x", verdict("revise", "add types"), "def f(x: int) -> int: return x", verdict("pass"))
    session = open_session(home, model)

    events = await send(session, "write f")

    kinds = [(e.kind, e.data["round"]) for e in events if isinstance(e, Step)]
    assert kinds == [("draft", 1), ("critique", 1), ("draft", 2), ("critique", 2)]
    generate, critique, regenerate, _ = model.requests
    assert generate.request.response_format is None and critique.request.response_format is Verdict
    assert "def f(x): return x" in critique.text() and "write f" in critique.text()
    assert "def f(x): return x" in regenerate.text() and "add types" in regenerate.text()
    assert [s.data["verdict"] for s in steps(events, "critique")] == ["revise", "pass"]
    assert steps(events, "critique")[0].data["feedback"] == "add types"
    answer = "def f(x: int) -> int: return x"
    assert "".join(e.delta for e in events if isinstance(e, TextDelta) and e.agent is None) == answer
    assert {e.agent for e in events if isinstance(e, TextDelta) and e.agent} == {"writer"}
    assert events[-1].output == answer
    assert session.history()[-1].content == answer


async def test_a_draft_that_never_passes_is_flagged(home):
    model = ScriptedModel(default=lambda r: verdict("revise", "still wrong") if r.response_format else "draft")
    session = open_session(home, model, modes={"reflect": {"max_rounds": 2}})

    events = await send(session, "write")

    assert len(steps(events, "critique")) == 2
    [flag] = [s for s in steps(events, "draft") if s.status == "not_passed"]
    assert flag.data["feedback"] == "still wrong"
    assert events[-1].output.startswith("draft\n")
    assert "did not pass review after 2 rounds" in events[-1].output and "still wrong" in events[-1].output


async def test_a_critic_without_a_valid_verdict_counts_as_a_pass(home):
    model = ScriptedModel(default=lambda r: "maybe?" if r.response_format else "draft")
    session = open_session(home, model)

    events = await send(session, "write")

    assert len(model.requests) == 1 + 3  # one draft, the critic asked three times
    [critique] = steps(events, "critique")
    assert critique.data["verdict"] == "pass" and critique.data["fallback"] is True
    assert any(isinstance(e, Notice) and "no valid verdict" in e.message for e in events)
    assert events[-1].output == "draft"


async def test_configured_profiles_are_used(home):
    model = ScriptedModel("draft", verdict("pass"))
    session = open_session(home, model, modes={"reflect": {"writer": "coder", "critic": "planner"}})

    await send(session, "x")

    assert model.requests[0].messages[0].content.startswith("You are an expert programmer")
    assert model.requests[1].messages[0].content.startswith("You plan work")


@pytest.mark.parametrize("settings", [{"rounds": 2}, {"max_rounds": 0}])
def test_invalid_settings_are_refused_when_the_session_opens(home, settings):
    with pytest.raises(ConfigError, match=r"modes\.reflect\.(rounds \(did you mean modes\.reflect\.max_rounds\?\)|max_rounds must be at least 1, not 0)"):
        open_session(home, ScriptedModel(), modes={"reflect": settings})
