"""`pipeline` mode: fixed stages, each one's output the next one's input, with gates."""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError
from agentsh.events import Step, TextDelta
from agentsh.models.scripted import ScriptedModel
from agentsh.modes.pipeline import fill
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session

from helpers import done, of, send


def open_session(home, model: ScriptedModel, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="pipeline", **settings))
    session.model = model
    return session


def stages(**gate) -> dict:
    return {"pipeline": {"stages": [
        {"agent": "researcher", "prompt": "Research: {input}"},
        {"agent": "writer", "prompt": "Draft an answer to {request} from:\n{input}", "gate": gate},
        {"agent": "critic", "prompt": "Polish: {input}"},
    ]}}


async def test_the_default_stages_pass_each_output_on(home):
    model = ScriptedModel("FACTS: water boils at 100 C.", "It boils at 100 C.")
    session = open_session(home, model)

    events = await send(session, "when does water boil?")

    research, write = model.requests
    assert research.messages[0].content == BUNDLED_PROFILES["researcher"].system_prompt
    assert research.messages[-1].content == "Gather the facts and considerations needed to answer: when does water boil?"
    assert write.messages[0].content == BUNDLED_PROFILES["writer"].system_prompt
    assert write.messages[-1].content == (
        "Answer the user's request: when does water boil?\n\nUsing these notes:\nFACTS: water boils at 100 C."
    )
    assert [(s.kind, s.title, s.status) for s in of(events, Step)] == [
        ("stage", "1/2 researcher", "running"), ("stage", "1/2 researcher", "done"),
        ("stage", "2/2 writer", "running"), ("stage", "2/2 writer", "done"),
    ]
    assert of(events, Step)[1].data["output"] == "FACTS: water boils at 100 C."
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent == "researcher") == "FACTS: water boils at 100 C."
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "It boils at 100 C."
    assert done(events).output == "It boils at 100 C."
    assert [m.content for m in session.history()] == ["when does water boil?", "It boils at 100 C."]


async def test_a_failing_regex_gate_stops_the_chain(home):
    model = ScriptedModel("notes", "a draft without the marker")
    session = open_session(home, model, modes=stages(type="regex", pattern=r"^APPROVED"))

    events = await send(session, "go")

    assert len(model.requests) == 2  # stage 3 never ran
    assert model.requests[1].messages[-1].content == "Draft an answer to go from:\nnotes"
    [gate] = [s for s in of(events, Step) if s.kind == "gate"]
    assert gate.status == "failed" and gate.data["index"] == 2
    output = done(events).output
    assert output.startswith("The pipeline stopped at stage 2 (writer)")
    assert "regex gate failed" in output and "'^APPROVED'" in output
    assert gate.data["reason"] in output
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == output
    assert not done(events).failed
    assert session.history()[-1].content == output


async def test_a_passing_gate_lets_the_chain_go_on_and_the_last_stage_answers(home):
    model = ScriptedModel("notes", "APPROVED draft", "Polished.")
    session = open_session(home, model, modes=stages(type="regex", pattern=r"^APPROVED"))

    events = await send(session, "go")

    assert model.requests[2].messages[-1].content == "Polish: APPROVED draft"
    assert [s.status for s in of(events, Step) if s.kind == "gate"] == ["passed"]
    assert done(events).output == "Polished."


async def test_critic_and_nonempty_gates(home):
    model = ScriptedModel("notes", "a weak draft", '{"passed": false, "reason": "it misses the date"}')
    session = open_session(home, model, modes=stages(type="critic"))
    events = await send(session, "go")
    verdict = model.requests[2]
    assert verdict.request.response_format is not None
    assert verdict.messages[0].content == BUNDLED_PROFILES["critic"].system_prompt
    assert "a weak draft" in verdict.messages[-1].content
    assert "critic gate failed: it misses the date" in done(events).output

    model = ScriptedModel("notes", "   ", "")  # an empty stage output is asked for once more, then the gate stops it
    events = await send(open_session(home, model, modes=stages(type="nonempty")), "go")
    assert "stage 2 (writer): its nonempty gate failed: the output is empty" in done(events).output
    assert len(model.requests) == 3 and "previous reply was empty" in model.requests[2].messages[-1].content


async def test_a_gated_last_stage_is_shown_as_the_answer_once_it_passes(home):
    config = {"pipeline": {"stages": [{"agent": "writer", "prompt": "{request}", "gate": {"type": "nonempty"}}]}}
    model = ScriptedModel("Hello there.")
    events = await send(open_session(home, model, modes=config), "hi")

    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "Hello there."
    assert done(events).output == "Hello there."


async def test_invalid_stage_configuration_is_a_clear_error(home):
    for stage, problem in [
        ({"agent": "writer", "prompt": "no placeholder"}, "{input}"),
        ({"agent": "writer", "prompt": "{input}", "gate": {"type": "regex", "pattern": "("}}, "regular expression"),
        ({"agent": "writer", "prompt": "{input}", "gate": {"type": "vibes"}}, "gate"),
    ]:
        with pytest.raises(ConfigError) as raised:  # found when the settings are read, before any turn
            open_session(home, ScriptedModel(), modes={"pipeline": {"stages": [stage]}})
        message = str(raised.value)
        assert "modes.pipeline.stages[0]" in message and problem in message, message
        assert "Value error" not in message, "no pydantic jargon"


def test_templates_are_filled_in_one_pass():
    assert fill("{request} / {input} / {other}", "said {request}", "R") == "R / said {request} / {other}"
