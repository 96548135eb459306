"""The final answer of any mode as a JSON instance of a schema (`agentsh run --schema FILE.json`).

After the mode has answered, its answer is checked against the schema; an answer that is already
a valid instance is kept as it is (no model call). Otherwise the session's model is asked to
restate it as an instance, through the structured-output ladder (agent/structured.py: the
strictest format the provider accepts, invalid answers sent back with the problem). The turn's
output becomes the instance alone, as compact JSON; when no valid one came, AnswerSchemaError.

Schemas are the subset workflow files use (workflows/schemas.py): objects, arrays, strings
(with enums), numbers, integers, booleans. A schema of another type than object is asked
wrapped as `{"value": ...}` and unwrapped.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

from ..agent.structured import ask_structured, extract_json
from ..agent.turn import Turn
from ..errors import AnswerSchemaError, UsageError
from ..messages import system, user
from ..workflows.schemas import SchemaProblem, check_schema, model_for, unwrap

RESTATE = (
    "You turn an answer into a JSON instance of a schema. Keep the answer's content; "
    "leave nothing out that the schema asks for."
)


def answer_model(schema: dict[str, Any]) -> type[BaseModel]:
    """The pydantic model of a user's schema; UsageError saying what is wrong with it."""
    if not isinstance(schema, dict):
        raise UsageError("--schema: the schema must be a JSON object (e.g. {\"type\": \"object\", \"properties\": {...}})")
    try:
        check_schema(schema, "--schema")
    except SchemaProblem as problem:
        raise UsageError(str(problem)) from None
    return model_for(schema, "answer")


async def conform_answer(turn: Turn, schema: dict[str, Any]) -> None:
    model = answer_model(schema)
    instance = _valid(model, turn.output) or await _restated(turn, model)
    if instance is None:
        raise AnswerSchemaError("no answer matching the --schema could be obtained from the model; "
                                "simplify the schema or use a stronger model")
    turn.output = json.dumps(unwrap(schema, instance.model_dump(mode="json")), ensure_ascii=False)


def _valid(model: type[BaseModel], text: str) -> BaseModel | None:
    try:
        return model.model_validate_json(extract_json(text))
    except (ValidationError, ValueError):
        return None


async def _restated(turn: Turn, model: type[BaseModel]) -> BaseModel | None:
    question = f"The request:\n{turn.user_text}\n\nThe answer:\n<answer>\n{turn.output}\n</answer>"
    return await ask_structured(turn, model, [system(RESTATE), user(question)], agent="schema")
