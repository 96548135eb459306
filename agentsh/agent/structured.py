"""Structured output: a pydantic model as the response schema, validated, asked again when invalid.

Every LLM decision that drives control flow (plan, route, verdict, vote) goes through
`ask_structured`. An invalid answer is sent back with the validation error, at most
`retries` times; then the caller's documented fallback applies (it gets None).

The schema is asked for at the strictest level the provider accepts (models/structured_output.py):
a refusal of the response format steps down a level at once (no backoff: the same request would be
refused again), and the level that worked is remembered for the model (`turn.formats`). A provider
that refuses every level gives no answer: None, the caller's fallback, never a failed turn.
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ResponseFormatError
from ..events import Notice
from ..messages import Message, system, user
from ..models.base import ModelClient, ModelRequest, ModelResponse
from ..models.structured_output import (
    STRICTEST,
    downgrade_notice,
    is_looser,
    level_below,
    schema_instructions,
    usable_level,
)
from .turn import Turn

T = TypeVar("T", bound=BaseModel)
DEFAULT_RETRIES = 2
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


async def ask_structured(
    turn: Turn, schema: type[T], messages: list[Message], *, agent: str | None = None, retries: int = DEFAULT_RETRIES,
    model: ModelClient | None = None, temperature: float | None = None,
) -> T | None:
    conversation = list(messages)
    client = model or turn.model
    for attempt in range(retries + 1):
        response = await _answer(turn, schema, conversation, agent, client, temperature)
        if response is None:
            return None
        text = response.message.content
        try:
            return schema.model_validate_json(extract_json(text))
        except (ValidationError, ValueError) as error:
            problem = _describe(error)
            turn.emit(Notice(message=f"{agent or 'model'} gave an invalid {schema.__name__} ({problem}); "
                             + ("asking again" if attempt < retries else "using the fallback"), level="warning"))
            conversation += [Message(role="assistant", content=text), user(_correction(schema, problem))]
    return None


async def _answer(
    turn: Turn, schema: type[BaseModel], conversation: list[Message], agent: str | None, client: ModelClient,
    temperature: float | None,
) -> ModelResponse | None:
    """One answer, asked at the strictest level the provider accepts; None when it refuses them all."""
    level: str | None = usable_level(turn.formats.level(client.name))
    refused = ""
    while level is not None:
        request = ModelRequest(messages=_with_schema(conversation, schema, level), response_format=schema, format_level=level,
                               temperature=temperature)
        try:
            return await turn.call_model(request, agent, stream_text=False, model=client)
        except ResponseFormatError as refusal:
            level, refused = _step_down(turn, client.name, level), str(refusal)
    turn.emit(Notice(message=f"{agent or 'model'} gave no {schema.__name__}, every format refused ({refused}); "
                             "using the fallback", level="warning"))
    return None


def _step_down(turn: Turn, model: str, refused: str) -> str | None:
    """The level to ask at once `refused` was refused; None when there is no looser one."""
    known = usable_level(turn.formats.level(model))
    if is_looser(known, refused):  # a concurrent call (another debater's vote, say) stepped down already
        return known
    lower = level_below(refused)
    if lower is not None:
        turn.formats.save(model, lower)
        turn.emit(Notice(message=downgrade_notice(model, refused, lower), level="warning"))
    return lower


def _with_schema(conversation: list[Message], schema: type[BaseModel], level: str) -> list[Message]:
    """Below json_schema the server does not hold the schema: the system prompt carries it."""
    if level == STRICTEST:
        return conversation
    instructions = schema_instructions(schema)
    if conversation and conversation[0].role == "system":
        return [system(f"{conversation[0].content}\n\n{instructions}"), *conversation[1:]]
    return [system(instructions), *conversation]


def extract_json(text: str) -> str:
    """The JSON object in a reply, tolerating code fences and prose around it."""
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    if start == -1 or end <= start:
        raise ValueError("the reply contains no JSON object")
    return candidate[start : end + 1]


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in error.errors()[:5])
    return str(error)


def _correction(schema: type[BaseModel], problem: str) -> str:
    return (
        f"That answer is invalid: {problem}. Reply again with only a JSON object matching this schema: "
        f"{json.dumps(schema.model_json_schema(), separators=(',', ':'))}"
    )
