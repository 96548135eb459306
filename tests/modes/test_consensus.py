"""`consensus`: independent answers, a judged agreement score each round, an early stop, the score with the answer."""

from __future__ import annotations

import json

import pytest

from agentsh.errors import ConfigError
from agentsh.events import Step
from agentsh.models.scripted import ScriptedModel
from agentsh.modes import check_mode_settings
from agentsh.modes.consensus import Agreement, clean_groups

from helpers import done, of, scripted_session, send

PARTICIPANTS = {"participants": ["researcher", "writer", "critic"], "rounds": 3, "threshold": 0.67}


def answers_then(groups: list[list[int]]):
    """A model whose answers are by agent label, and whose judgement is `groups`."""
    def reply(request):
        if request.response_format is Agreement:
            return json.dumps({"groups": groups, "reason": "compared"})
        return f"answer of {request.messages[0].content[:12]}"
    return reply


def agreement_steps(events: list) -> list[Step]:
    return [s for s in of(events, Step) if s.kind == "agreement"]


async def test_answers_that_agree_in_the_first_round_stop_there_with_the_score(home):
    model = ScriptedModel(default=answers_then([[1, 3], [2]]))
    session = scripted_session(home, model, mode="consensus", modes={"consensus": PARTICIPANTS})

    events = await send(session, "is 7 prime?")

    [step] = agreement_steps(events)
    assert (step.data["round"], step.data["score"], step.data["reached"]) == (1, 0.67, True)
    assert step.data["groups"] == [[1, 3], [2]]
    assert len(model.requests) == 4  # three answers and one judgement: no second round
    output = done(events).output
    assert output.endswith("Agreement: 0.67 (2 of 3 answers agree; consensus reached in round 1 of 3)")
    assert output.startswith("answer of You are a ca")  # the first answer of the largest group: the researcher's


async def test_answers_that_never_agree_run_every_round_and_say_so(home):
    model = ScriptedModel(default=answers_then([[1], [2], [3]]))
    session = scripted_session(home, model, mode="consensus", modes={"consensus": PARTICIPANTS})

    events = await send(session, "best language?")

    assert [s.data["score"] for s in agreement_steps(events)] == [0.33, 0.33, 0.33]
    assert len(model.requests) == 12
    assert done(events).output.endswith("Agreement: 0.33 (1 of 3 answers agree; no consensus (threshold 0.67) in round 3 of 3)")


async def test_agreement_reached_in_a_later_round_stops_there(home):
    judgements = iter([[[1], [2], [3]], [[1, 2, 3]]])

    def reply(request):
        if request.response_format is Agreement:
            return json.dumps({"groups": next(judgements)})
        return "42"

    model = ScriptedModel(default=reply)
    session = scripted_session(home, model, mode="consensus", modes={"consensus": PARTICIPANTS})

    events = await send(session, "6*7?")

    assert [(s.data["round"], s.data["score"]) for s in agreement_steps(events)] == [(1, 0.33), (2, 1.0)]
    assert "The other participants answered" in model.requests[4].text()  # round 2 sees the others' answers
    assert done(events).output.endswith("consensus reached in round 2 of 3)")


async def test_a_judge_without_a_valid_judgement_counts_as_no_agreement(home):
    def reply(request):
        return "not json" if request.response_format is Agreement else "an answer"

    model = ScriptedModel(default=reply)
    session = scripted_session(home, model, mode="consensus", modes={"consensus": {**PARTICIPANTS, "rounds": 1}})

    events = await send(session, "q")

    assert agreement_steps(events)[0].data["score"] == 0.33


def test_the_judges_groups_are_cleaned_to_one_group_per_answer():
    assert clean_groups([[1, 1, 2], [2, 9], []], 3) == [[1, 2], [3]]


@pytest.mark.parametrize("table", [{"threshold": 1.5}, {"participants": ["writer"]}, {"rouns": 2}])
def test_bad_settings_are_refused(table):
    with pytest.raises(ConfigError):
        check_mode_settings({"consensus": table})
