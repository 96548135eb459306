"""The built-in offline model: deterministic answers, tool calls and structured output."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Literal
from uuid import UUID

import pytest
from pydantic import BaseModel, Field

from agentsh.events import TextDelta
from agentsh.messages import Message, ToolCallPart, tool_result, user
from agentsh.models import resolve_model
from agentsh.models.base import ModelRequest, ModelResponse, complete
from agentsh.models.offline import OfflineModel
from agentsh.tools.tool import tool


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression.

    Args:
        expression: An arithmetic expression such as "17 + 25".
    """
    return "42"


@tool
def weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather in a city."""
    return "sunny"


@tool
def read_file(path: str, max_lines: int = 100) -> str:
    """Read a text file."""
    return ""


TOOLS = [calculator.schema(), weather.schema(), read_file.schema()]


async def ask(*messages: Message, **request) -> ModelResponse:
    return await complete(OfflineModel(), ModelRequest(messages=list(messages), **request))


# tool calls ------------------------------------------------------------------------


async def test_it_calls_the_calculator_with_the_expression_from_the_message():
    response = await ask(user("use the calculator to add 17 and 25"), tools=TOOLS)

    [call] = response.message.tool_calls
    assert call.name == "calculator"
    assert json.loads(call.arguments) == {"expression": "17 + 25"}
    assert response.finish_reason == "tool_calls"


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("calculator: what is (3 + 4) * 5?", "(3 + 4) * 5"),
        ("use the calculator to multiply 6 by 7", "6 * 7"),
        ("calculator please, subtract 8 from 50", "50 - 8"),
        ("calculator: divide 84 by 2", "84 / 2"),
    ],
)
async def test_calculator_expressions_in_other_words(text, expression):
    response = await ask(user(text), tools=TOOLS)
    assert json.loads(response.message.tool_calls[0].arguments) == {"expression": expression}


async def test_arguments_for_other_tools_come_from_the_message():
    weather_call = (await ask(user("what does the weather say for Paris in fahrenheit?"), tools=TOOLS)).message.tool_calls[0]
    assert weather_call.name == "weather"
    arguments = json.loads(weather_call.arguments)
    assert arguments["city"].startswith("for Paris") or "Paris" in arguments["city"]
    file_call = (await ask(user('use read_file on "notes/todo.txt"'), tools=TOOLS)).message.tool_calls[0]
    assert (file_call.name, json.loads(file_call.arguments)) == ("read_file", {"path": "notes/todo.txt"})


async def test_every_call_gets_a_fresh_id():
    model = OfflineModel()
    request = ModelRequest(messages=[user("calculator: 1 + 1")], tools=TOOLS)
    first = await complete(model, request)
    second = await complete(model, request)
    assert first.message.tool_calls[0].id != second.message.tool_calls[0].id


async def test_after_a_tool_result_the_answer_contains_the_result():
    question = user("use the calculator to add 17 and 25")
    call = ToolCallPart(id="c1", name="calculator", arguments='{"expression": "17 + 25"}')
    asked = Message(role="assistant", tool_calls=[call])

    response = await ask(question, asked, tool_result(call, "42"), tools=TOOLS)

    assert response.message.tool_calls == []
    assert "42" in response.message.content
    assert response.finish_reason == "stop"


async def test_no_tool_named_means_no_tool_call():
    response = await ask(user("how are you today?"), tools=TOOLS)
    assert response.message.tool_calls == []


async def test_tool_choice_none_means_no_tool_call():
    response = await ask(user("use the calculator to add 17 and 25"), tools=TOOLS, tool_choice="none")
    assert response.message.tool_calls == []
    assert response.message.content


# plain answers ---------------------------------------------------------------------


async def test_a_plain_message_gets_a_plain_answer_labelled_offline():
    response = await ask(user("Tell me a joke"))
    assert response.message.tool_calls == []
    assert "offline" in response.message.content.lower()
    assert "Tell me a joke" in response.message.content
    assert response.model == "offline"
    assert response.cost == 0.0
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0


async def test_a_long_prompt_from_a_mode_gets_one_short_line_labelled_offline_not_an_echo_of_it():
    notes = "(offline model) earlier answer. " * 40
    response = await ask(user(f"Answer the user's request: write a haiku\n\nUsing these notes: {notes}"))
    answer = response.message.content
    assert answer.startswith("(offline model)") and "write a haiku" in answer
    assert len(answer) < 160 and answer.count("(offline model)") == 1


async def test_the_answer_streams_in_pieces_that_add_up_to_it():
    items = [item async for item in OfflineModel().stream(ModelRequest(messages=[user("stream this please")]))]
    deltas = [i.delta for i in items if isinstance(i, TextDelta)]
    response = items[-1]
    assert isinstance(response, ModelResponse)
    assert len(deltas) > 3
    assert "".join(deltas) == response.message.content


async def test_it_is_deterministic():
    first = await ask(user("same words"))
    second = await ask(user("same words"))
    assert first.message == second.message


async def test_an_empty_conversation_does_not_crash():
    response = await ask()
    assert "offline" in response.message.content


def test_offline_is_resolved_by_name():
    assert isinstance(resolve_model("offline"), OfflineModel)


# structured output -------------------------------------------------------------------


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Step(BaseModel):
    title: str
    minutes: int = Field(ge=5, le=120)
    done: bool


class Owner(BaseModel):
    name: str = Field(min_length=2, max_length=20)
    email: str | None = None


class Plan(BaseModel):
    goal: str
    priority: Priority
    kind: Literal["work", "home"]
    owner: Owner
    steps: list[Step] = Field(min_length=2)
    tags: list[str]
    estimate: float = Field(gt=0)
    attempts: int
    notes: dict[str, int]
    parent: Step | None = None


class Dated(BaseModel):
    due: date
    created: datetime
    id: UUID
    ratio: float = Field(le=-1.5)
    count: int = Field(lt=0)
    share: float = Field(gt=0, lt=0.5)
    batch: int = Field(ge=1, multiple_of=5)
    codes: set[int] = Field(min_length=3)
    letters: tuple[str, int]


async def test_structured_output_validates_against_the_requested_model():
    response = await ask(user("plan my week"), response_format=Plan)

    plan = Plan.model_validate_json(response.message.content)
    assert len(plan.steps) >= 2
    assert response.message.tool_calls == []


async def test_structured_output_with_dates_ids_bounds_and_sets_validates():
    response = await ask(user("when?"), response_format=Dated)
    Dated.model_validate_json(response.message.content)


async def test_structured_output_wins_over_tools():
    response = await ask(user("use the calculator: 1 + 1"), tools=TOOLS, response_format=Step)
    assert response.message.tool_calls == []
    Step.model_validate_json(response.message.content)


async def test_a_several_line_tool_result_is_quoted_in_a_code_block_that_keeps_its_lines():
    call = ToolCallPart(id="c1", name="run_shell", arguments="{}")
    output = "total 2\n-rw-r--r-- a.txt\n```\n-rw-r--r-- b.txt"
    response = await ask(user("run it"), Message(role="assistant", tool_calls=[call]), tool_result(call, output))
    answer = response.message.content
    assert "\n````text\ntotal 2\n-rw-r--r-- a.txt\n```\n-rw-r--r-- b.txt\n````" in answer
