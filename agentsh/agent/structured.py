"""Structured output: a pydantic model as the response schema, validated, asked again when invalid.

Every LLM decision that drives control flow (plan, route, verdict, vote) goes through
`ask_structured`. An invalid answer is sent back with the validation error, at most
`retries` times; then the caller's documented fallback applies (it gets None).
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..events import Notice
from ..messages import Message, user
from ..models.base import ModelRequest
from .turn import Turn

T = TypeVar("T", bound=BaseModel)
DEFAULT_RETRIES = 2
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


async def ask_structured(
    turn: Turn, schema: type[T], messages: list[Message], *, agent: str | None = None, retries: int = DEFAULT_RETRIES, model=None,
    temperature: float | None = None,
) -> T | None:
    conversation = list(messages)
    for attempt in range(retries + 1):
        request = ModelRequest(messages=conversation, response_format=schema, temperature=temperature)
        response = await turn.call_model(request, agent, stream_text=False, model=model)
        text = response.message.content
        try:
            return schema.model_validate_json(extract_json(text))
        except (ValidationError, ValueError) as error:
            problem = _describe(error)
            turn.emit(Notice(message=f"{agent or 'model'} gave an invalid {schema.__name__} ({problem}); "
                             + ("asking again" if attempt < retries else "using the fallback"), level="warning"))
            conversation += [Message(role="assistant", content=text), user(_correction(schema, problem))]
    return None


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
