"""`debate`: independent answers, rounds of revision that see the others' answers, then a judge."""

from __future__ import annotations

import json
import time

from agentsh.config import Settings
from agentsh.errors import ModelError
from agentsh.events import Error, Step, TextDelta
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.session import Session

from helpers import send

PROMPTS = {"researcher": "You are a careful researcher", "coder": "You are an expert programmer", "writer": "You are a clear writer"}


def open_session(home, model, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="debate", **settings))
    session.model = model
    return session


def who(request) -> str:
    prompt = request.messages[0].content
    return next((name for name, start in PROMPTS.items() if prompt.startswith(start)), "moderator")


def round_of(request) -> int:
    return 2 if "Your previous answer" in request.messages[-1].content else 1


def debater_replies(request):
    if request.response_format is not None:
        return json.dumps({"choice": {"researcher": 2, "coder": 2, "writer": 3}[who(request)], "reason": "best"})
    if who(request) == "moderator":
        return "the moderated answer"
    return Reply(text=f"{who(request)} answer r{round_of(request)}", delay=0.05)


async def test_every_round_two_request_holds_the_other_debaters_round_one_answers(home):
    model = ScriptedModel(default=debater_replies)
    session = open_session(home, model)

    started = time.monotonic()
    events = await send(session, "tabs or spaces?")

    debates = [r for r in model.requests if who(r.request) != "moderator"]
    assert len(debates) == 6
    assert time.monotonic() - started < 0.05 * 6  # each round's debaters answer concurrently
    second_round = [r for r in debates if round_of(r.request) == 2]
    assert len(second_round) == 3
    for log in second_round:
        me, text = who(log.request), log.messages[-1].content
        others = [name for name in PROMPTS if name != me]
        assert all(f"{other} answer r1" in text for other in others), text
        assert f"{me} answer r1" in text and "tabs or spaces?" in text
    rounds = [e for e in events if isinstance(e, Step) and e.kind == "round"]
    assert [s.data["round"] for s in rounds] == [1, 2]
    assert rounds[1].data["answers"] == {name: f"{name} answer r2" for name in PROMPTS}

    moderator = model.requests[-1]
    assert who(moderator.request) == "moderator"
    assert all(f"{name} answer r2" in moderator.text() for name in PROMPTS)
    answer = [e for e in events if isinstance(e, TextDelta) and e.agent is None]
    assert "".join(e.delta for e in answer) == "the moderated answer" == events[-1].output
    assert {e.agent for e in events if isinstance(e, TextDelta) and e.agent} == set(PROMPTS)


async def test_one_round_and_a_vote(home):
    model = ScriptedModel(default=debater_replies)
    session = open_session(home, model, modes={"debate": {"rounds": 1, "judge": "vote"}})

    events = await send(session, "q")

    assert [round_of(r.request) for r in model.requests if not r.request.response_format] == [1, 1, 1]
    [vote] = [e for e in events if isinstance(e, Step) and e.kind == "vote"]
    assert vote.data["votes"] == {"researcher": 2, "coder": 2, "writer": 3}
    assert vote.data["winner"] == "coder"
    assert events[-1].output == "coder answer r1"


async def test_a_tied_vote_goes_to_the_first_answer_and_a_profile_can_debate_twice(home):
    model = ScriptedModel("first", "second", json.dumps({"choice": 2}), json.dumps({"choice": 1}))
    session = open_session(home, model, modes={"debate": {"debaters": ["writer", "writer"], "rounds": 1, "judge": "vote"}})

    events = await send(session, "q")

    [vote] = [e for e in events if isinstance(e, Step) and e.kind == "vote"]
    assert vote.data["votes"] == {"writer": 2, "writer#2": 1}
    assert (vote.data["choice"], vote.data["winner"]) == (1, "writer")
    assert events[-1].output == "first"


async def test_no_valid_vote_takes_the_first_answer(home):
    model = ScriptedModel(default=lambda r: json.dumps({"choice": 9}) if r.response_format else f"answer {len(model.requests)}")
    session = open_session(home, model, modes={"debate": {"debaters": ["writer", "coder"], "rounds": 1, "judge": "vote"}})

    events = await send(session, "q")

    assert len(model.requests) == 2 + 2 * 3  # an out-of-range choice is re-asked, then abstains
    [vote] = [e for e in events if isinstance(e, Step) and e.kind == "vote"]
    assert vote.data["votes"] == {} and vote.data["winner"] == "writer"
    assert events[-1].output == "answer 1"


async def test_a_failing_debater_is_left_out_and_the_others_go_on(home):
    def replies(request):
        if who(request) == "coder":
            return ModelError("coder's provider is down")
        return debater_replies(request)

    model = ScriptedModel(default=replies)
    session = open_session(home, model)

    events = await send(session, "q")

    assert not events[-1].failed and events[-1].output == "the moderated answer"
    assert len([r for r in model.requests if who(r.request) == "coder"]) == 1, "a failed debater is not asked again"
    rounds = [e.data for e in events if isinstance(e, Step) and e.kind == "round"]
    assert rounds[0]["failed"] == {"coder": "coder's provider is down"}
    assert rounds[1]["answers"] == {"researcher": "researcher answer r2", "writer": "writer answer r2"}
    assert "coder answer" not in model.requests[-1].text()


async def test_too_few_debaters_left_fail_the_turn_with_every_reason(home):
    def replies(request):
        return ModelError(f"{who(request)} is down") if who(request) in ("coder", "writer") else debater_replies(request)

    session = open_session(home, ScriptedModel(default=replies))
    events = await send(session, "q")

    [error] = [e for e in events if isinstance(e, Error)]
    assert events[-1].failed and error.kind == "QuorumError"
    assert error.message == "debate: 1 of 3 debaters still answer, fewer than min_debaters = 2: coder failed: coder is down; writer failed: writer is down"
