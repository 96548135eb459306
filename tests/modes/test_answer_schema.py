"""The answer of a turn with a schema (`agentsh run --schema`), on a scripted model."""

from __future__ import annotations

import json

from agentsh.custom_commands import TurnOptions
from agentsh.events import Error
from agentsh.models.scripted import ScriptedModel

from helpers import done, of, scripted_session

OBJECT = {"type": "object", "properties": {"answer": {"type": "integer"}}}


async def send_with(session, text: str, schema: dict) -> list:
    return [event async for event in session.send(text, TurnOptions(schema=schema))]


async def test_an_answer_that_is_already_an_instance_is_kept_without_another_call(home):
    model = ScriptedModel('Here you are: {"answer": 42}')
    session = scripted_session(home, model, mode="chat")

    events = await send_with(session, "6*7", OBJECT)

    assert done(events).output == '{"answer": 42}'
    assert len(model.requests) == 1


async def test_a_prose_answer_is_restated_through_the_structured_output_ladder(home):
    model = ScriptedModel("It is forty-two.", '{"answer": "many"}', '{"answer": 42}')
    session = scripted_session(home, model, mode="chat")

    events = await send_with(session, "6*7", OBJECT)

    assert done(events).output == '{"answer": 42}'
    restate = model.requests[1]
    assert restate.request.response_format is not None and "It is forty-two." in restate.text()
    assert "answer" in model.requests[2].text() and "invalid" in model.requests[2].text()  # the problem sent back


async def test_a_schema_of_another_type_than_object_is_asked_wrapped_and_given_bare(home):
    model = ScriptedModel("red, green", '{"value": ["red", "green"]}')
    session = scripted_session(home, model, mode="chat")

    events = await send_with(session, "two colours", {"type": "array", "items": {"type": "string"}})

    assert json.loads(done(events).output) == ["red", "green"]


async def test_no_valid_instance_fails_the_turn_with_one_clear_error(home):
    model = ScriptedModel(default="no JSON, sorry")
    session = scripted_session(home, model, mode="chat")

    events = await send_with(session, "6*7", OBJECT)

    assert done(events).failed
    [error] = of(events, Error)
    assert error.kind == "AnswerSchemaError" and "\n" not in error.message
