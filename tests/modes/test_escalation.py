"""Escalation on confidence: router routes, reflect verdicts and workflow agent nodes below `below` go to `to`."""

from __future__ import annotations

import json

import pytest

from agentsh.errors import ConfigError
from agentsh.events import Error, Step
from agentsh.models.scripted import ScriptedModel
from agentsh.modes import check_mode_settings
from agentsh.profiles import AgentProfile

from helpers import done, of, scripted_session, send

STRONG = AgentProfile(system_prompt="You are the strong model.", tools=[])
ESCALATE = {"below": 0.6, "to": "strong"}


def route(confidence: float) -> str:
    return json.dumps({"reason": "looks like prose", "route": "writer", "confidence": confidence})


def escalations(events: list) -> list[Step]:
    return [s for s in of(events, Step) if s.kind == "escalate"]


@pytest.mark.parametrize(("confidence", "escalated"), [(0.59, True), (0.6, False), (0.61, False)])
async def test_a_route_below_the_threshold_is_answered_by_the_stronger_profile(home, confidence, escalated):
    model = ScriptedModel(route(confidence), "The answer.")
    session = scripted_session(home, model, mode="router", agents={"strong": STRONG}, modes={"router": {"escalate": ESCALATE}})

    events = await send(session, "write me a haiku")

    answering = model.requests[1].messages[0].content
    assert (answering == STRONG.system_prompt) is escalated
    steps = escalations(events)
    assert len(steps) == int(escalated)
    if escalated:
        assert steps[0].data["reason"] == "route writer: confidence 0.59 is below 0.6; escalated to strong"
        assert steps[0].title == "route writer → strong"
    assert of(events, Step)[0].data["confidence"] == confidence
    assert done(events).output == "The answer."


async def test_a_router_without_escalate_never_escalates(home):
    model = ScriptedModel(route(0.01), "The answer.")
    session = scripted_session(home, model, mode="router")

    events = await send(session, "write me a haiku")

    assert escalations(events) == []
    assert "writer" in model.requests[1].messages[0].content.lower()


def verdict(value: str, confidence: float, feedback: str = "") -> str:
    return json.dumps({"verdict": value, "feedback": feedback, "confidence": confidence})


@pytest.mark.parametrize(("confidence", "escalated"), [(0.59, True), (0.6, False), (0.61, False)])
async def test_an_unsure_critic_is_asked_again_of_the_stronger_profile_whose_verdict_counts(home, confidence, escalated):
    replies = ["draft one", verdict("pass", confidence)]
    if escalated:
        replies += [verdict("revise", 0.95, "cite a source"), "draft two", verdict("pass", 0.9)]
    model = ScriptedModel(*replies)
    session = scripted_session(home, model, mode="reflect", agents={"strong": STRONG}, modes={"reflect": {"escalate": ESCALATE}})

    events = await send(session, "explain tides")

    critiques = [s for s in of(events, Step) if s.kind == "critique"]
    if escalated:
        assert model.requests[2].messages[0].content == STRONG.system_prompt
        assert [c.data["critic"] for c in critiques] == ["critic", "strong", "critic"]
        assert done(events).output == "draft two"
        assert escalations(events)[0].data["confidence"] == 0.59
    else:
        assert len(model.requests) == 2 and done(events).output == "draft one"
        assert escalations(events) == []


@pytest.mark.parametrize(("table", "named"), [
    ({"router": {"escalate": {"below": 0.5, "too": "strong"}}}, "too"),
    ({"reflect": {"escalate": {"below": 1.5, "to": "strong"}}}, "below"),
    ({"router": {"escalate": {"to": "strong"}}}, "below"),
])
def test_a_bad_escalate_table_is_refused_naming_the_key(table, named):
    with pytest.raises(ConfigError, match=named):
        check_mode_settings(table)


async def test_an_unknown_escalation_profile_fails_before_any_model_call(home):
    model = ScriptedModel()
    session = scripted_session(home, model, mode="reflect", modes={"reflect": {"escalate": {"below": 0.5, "to": "stronk"}}})

    events = await send(session, "explain tides")

    assert done(events).failed and "unknown agent profile 'stronk'" in done(events).output + " ".join(e.message for e in of(events, Error))
    assert model.requests == []
