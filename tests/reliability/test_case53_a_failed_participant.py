"""Case 53: debate and events carry on without a failed participant, down to a quorum.

One debater's stream broke and the whole debate failed, while parallel already carried on
without a failed branch. Now a debater that fails is left out of the rest of the debate, and
an event subscriber that fails publishes nothing, each with a notice; the turn fails only
when fewer than the quorum remain (`min_debaters`, default 2; `min_subscribers` of an event,
default 1), with one message that names who failed and why. The quorum settings are checked
with the rest of the config.
"""

from __future__ import annotations

import pytest
from test_case52_empty_answers import Script, kind, warnings

from agentsh.errors import ConfigError
from agentsh.events import Error, Step

from fakeserver import Reply
from helpers import of, send

BROKEN = Reply(text="I was saying that the answer", chunk_size=4, cut_after=3)  # text shown, then the stream breaks
BROKEN_SAYS = "before the model finished"  # the stream error, in every failure message


def asked(server, name: str) -> int:
    return sum(1 for r in server.requests if kind(r["body"]) == name)


async def test_case53_a_debate_goes_on_without_a_debater_whose_stream_broke(llm_session, server):
    server.route = Script(coder=[BROKEN], moderator=["The moderated answer."])
    session = llm_session(mode="debate")

    events = await send(session, "tabs or spaces?")

    assert not events[-1].failed and events[-1].output == "The moderated answer."
    assert of(events, Error) == []
    [notice] = [w for w in warnings(events) if w.startswith("debate:")]
    assert notice.startswith("debate: coder failed: ") and BROKEN_SAYS in notice and notice.endswith("going on with researcher, writer")
    first, second = [s.data for s in of(events, Step) if s.kind == "round"]
    assert set(first["answers"]) == {"researcher", "writer"} and BROKEN_SAYS in first["failed"]["coder"]
    assert set(second["answers"]) == {"researcher", "writer"} and "failed" not in second
    assert asked(server, "coder") == 1, "a failed debater is not asked again"
    moderated = server.last_body["messages"][-1]["content"]
    assert "from researcher" in moderated and "from writer" in moderated and "from coder" not in moderated


async def test_case53_below_the_quorum_the_debate_fails_with_one_clear_message(llm_session, server):
    server.route = Script(coder=[BROKEN], writer=[BROKEN])
    session = llm_session(mode="debate")

    events = await send(session, "tabs or spaces?")

    [error] = of(events, Error)
    assert error.kind == "QuorumError" and events[-1].failed
    assert error.message.startswith("debate: 1 of 3 debaters still answer, fewer than min_debaters = 2: coder failed: ")
    assert "; writer failed: " in error.message and "\n" not in error.message
    assert asked(server, "moderator") == 0


async def test_case53_a_lower_quorum_lets_one_debater_finish_and_a_failed_vote_abstains(llm_session, server):
    server.route = Script(coder=[BROKEN], writer=[BROKEN], decision=[BROKEN])
    session = llm_session(mode="debate", modes={"debate": {"min_debaters": 1, "rounds": 1, "judge": "vote"}})

    events = await send(session, "tabs or spaces?")

    assert not events[-1].failed and events[-1].output == "researcher answer"
    assert "debate: researcher's vote failed" in " ".join(warnings(events))
    [vote] = [s for s in of(events, Step) if s.kind == "vote"]
    assert vote.data["winner"] == "researcher" and vote.data["votes"] == {}


async def test_case53_events_go_on_without_a_failed_subscriber(llm_session, server):
    subscriptions = [
        {"agent": "researcher", "on": "user_message", "emits": "notes"},
        {"agent": "coder", "on": "user_message", "emits": "notes"},
        {"agent": "writer", "on": "notes", "emits": "draft"},
    ]
    server.route = Script(coder=[BROKEN], researcher=["the notes"], writer=["the draft"])
    session = llm_session(mode="events", modes={"events": {"subscriptions": subscriptions}})

    events = await send(session, "explain tides")

    assert not events[-1].failed and events[-1].output == "the draft"
    steps = [(s.status, s.data.get("agent")) for s in of(events, Step) if s.status in ("failed", "delivered")]
    assert ("failed", "coder") in steps and steps.count(("delivered", "writer")) == 1
    assert any(w.startswith("events: coder failed: ") and "going on with the other subscribers of user_message #1" in w for w in warnings(events))


async def test_case53_an_event_none_of_whose_subscribers_answered_fails_the_turn(llm_session, server):
    server.route = Script(writer=[BROKEN], researcher=["the notes"])
    session = llm_session(mode="events")

    events = await send(session, "explain tides")

    [error] = of(events, Error)
    assert error.kind == "QuorumError" and events[-1].failed
    assert error.message.startswith("events: 0 of 1 subscribers of notes #2 answered, fewer than min_subscribers = 1: writer failed: ")


@pytest.mark.parametrize(("mode", "table", "problem"), [
    ("debate", {"min_debaters": 4}, "modes.debate: min_debaters (4) is more than the 3 debaters"),
    ("debate", {"min_debaters": 0}, "modes.debate.min_debaters must be at least 1, not 0"),
    ("events", {"min_subscribers": 2}, "modes.events: min_subscribers (2) is more than any event type's 1 subscriber(s)"),
])
def test_case53_a_quorum_that_cannot_be_met_is_a_config_error(llm_session, mode, table, problem):
    with pytest.raises(ConfigError) as raised:
        llm_session(mode=mode, modes={mode: table})
    assert problem in str(raised.value)
