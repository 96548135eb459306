"""`ask_structured` down the structured-output ladder, and the closed choices its schemas list.

A scripted model raises the `ResponseFormatError` a provider's refusal becomes; the real-server
path (the llama-cpp-python profile) is reliability case 47.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from agentsh.agent.structured import ask_structured
from agentsh.agent.turn import Turn
from agentsh.errors import ResponseFormatError
from agentsh.events import Notice
from agentsh.messages import Message, system, user
from agentsh.models.base import ModelRequest, ModelResponse
from agentsh.models.scripted import ScriptedModel
from agentsh.models.structured_output import SCHEMA_LEAD, RememberedFormats
from agentsh.modes.parallel import vote_schema
from agentsh.modes.router import route_schema
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry

REFUSED = ResponseFormatError("llama (openai/llama) refused the response format or a parameter (500): response_format.type")


class Answer(BaseModel):
    value: int


def make_turn(model, formats: RememberedFormats | None = None) -> tuple[Turn, list]:
    events: list = []
    registry = ToolRegistry()
    turn = Turn(session_id="s", model=model, registry=registry, executor=ToolExecutor(registry), history=[],
                emit=events.append, formats=formats or RememberedFormats())
    return turn, events


def sent_levels(model: ScriptedModel) -> list[str]:
    return [entry.request.format_level for entry in model.requests]


async def test_a_refusal_steps_down_once_says_so_and_the_next_ask_starts_there():
    model = ScriptedModel(REFUSED, '{"value": 42}', '{"value": 7}')
    model.name = "openai/llama"
    turn, events = make_turn(model)

    first = await ask_structured(turn, Answer, [system("You count."), user("6*7?")])
    second = await ask_structured(turn, Answer, [system("You count."), user("7?")])

    assert (first, second) == (Answer(value=42), Answer(value=7))
    assert sent_levels(model) == ["json_schema", "json_object", "json_object"]
    assert [e.message for e in events if isinstance(e, Notice)] == [
        "model openai/llama does not accept json_schema; using json_object + schema in the prompt",
    ]
    prompt = model.requests[1].messages[0].content
    assert prompt.startswith("You count.") and SCHEMA_LEAD in prompt and '"value"' in prompt
    assert len(model.requests[1].messages) == 2, "the schema joins the system prompt, it adds no message"
    assert turn.formats.level("openai/llama") == "json_object"


async def test_a_provider_that_refuses_every_level_gives_the_fallback_not_an_error():
    model = ScriptedModel(REFUSED, REFUSED, REFUSED)
    turn, events = make_turn(model)

    assert await ask_structured(turn, Answer, [user("6*7?")], agent="router") is None

    assert sent_levels(model) == ["json_schema", "json_object", "prompt"]
    assert "router gave no Answer, every format refused" in [e.message for e in events if isinstance(e, Notice)][-1]


class SlowRefusals:
    """Refuses json_schema after a moment (so that concurrent asks are all in flight); answers any other level."""

    name = "openai/llama"

    def __init__(self) -> None:
        self.levels: list[str] = []

    async def stream(self, request: ModelRequest):
        self.levels.append(request.format_level)
        await asyncio.sleep(0.01)
        if request.format_level == "json_schema":
            raise REFUSED
        yield ModelResponse(message=Message(role="assistant", content='{"value": 1}'), model=self.name)


async def test_concurrent_asks_refused_together_step_down_once():
    model = SlowRefusals()
    turn, events = make_turn(model)

    votes = await asyncio.gather(*(ask_structured(turn, Answer, [user("vote")]) for _ in range(3)))

    assert all(votes) and model.levels == ["json_schema"] * 3 + ["json_object"] * 3
    assert sum("does not accept" in e.message for e in events if isinstance(e, Notice)) == 1


async def test_a_remembered_level_is_where_a_new_turn_starts():
    formats = RememberedFormats()
    formats.save("scripted", "prompt")
    model = ScriptedModel('Here you are: {"value": 42} as asked.')
    turn, _ = make_turn(model, formats)

    assert await ask_structured(turn, Answer, [user("6*7?")]) == Answer(value=42)
    assert sent_levels(model) == ["prompt"]


def test_a_lone_route_or_branch_is_still_listed_as_an_enum():
    assert route_schema(["coder"]).model_json_schema()["properties"]["route"]["enum"] == ["coder"]
    assert vote_schema(["writer"]).model_json_schema()["properties"]["choice"]["enum"] == ["writer"]
