"""The structured-output ladder: the ways a schema can be asked of a provider, strictest first.

    json_schema   response_format carries the schema: a server that follows it can only answer valid JSON
    json_object   response_format asks for a JSON object; the schema is in the prompt
    prompt        no response_format at all; the schema is in the prompt, the JSON is found in the text

A provider that refuses a level (an error naming response_format, or an unsupported parameter:
`ResponseFormatError`) is asked again at once one level down. What worked is remembered per
model in a `FormatMemory` (the session's store keeps it across sessions), so later calls start there.
"""

from __future__ import annotations

import json
from typing import Protocol

from pydantic import BaseModel

LEVELS = ("json_schema", "json_object", "prompt")
STRICTEST = LEVELS[0]
SCHEMA_LEAD = "matches this JSON schema"  # in the prompt, just before the schema
_SHOWN = {"json_schema": "json_schema", "json_object": "json_object + schema in the prompt", "prompt": "the schema in the prompt alone"}


class FormatMemory(Protocol):
    """Which level each model accepts; `level` is None for a model never refused."""

    def level(self, model: str) -> str | None: ...

    def save(self, model: str, level: str) -> None: ...


class RememberedFormats:
    """A `FormatMemory` for this process only (a turn without a store: tests, tools of a library user)."""

    def __init__(self) -> None:
        self._levels: dict[str, str] = {}

    def level(self, model: str) -> str | None:
        return self._levels.get(model)

    def save(self, model: str, level: str) -> None:
        self._levels[model] = level


def usable_level(level: str | None) -> str:
    """A remembered level, or the strictest one when none (or one this agentsh does not know) is remembered."""
    return level if level in LEVELS else STRICTEST


def level_below(level: str) -> str | None:
    """The next, looser level; None below the last."""
    index = LEVELS.index(level) + 1
    return LEVELS[index] if index < len(LEVELS) else None


def is_looser(level: str, than: str) -> bool:
    return LEVELS.index(level) > LEVELS.index(than)


def response_format_for(schema: type[BaseModel], level: str) -> type[BaseModel] | dict[str, str] | None:
    """The `response_format` parameter of a request at `level` (None: send none)."""
    if level == "json_schema":
        return schema
    return {"type": "json_object"} if level == "json_object" else None


def schema_instructions(schema: type[BaseModel]) -> str:
    """What the prompt says at the levels below json_schema, where the server does not hold the schema."""
    text = json.dumps(schema.model_json_schema(), separators=(",", ":"), ensure_ascii=False)
    return (
        f"Answer with only a JSON object, no other text, that {SCHEMA_LEAD}. Where a field lists "
        f"its values (\"enum\"), use one of them exactly as written.\n{text}"
    )


def downgrade_notice(model: str, refused: str, used: str) -> str:
    return f"model {model} does not accept {refused}; using {_SHOWN[used]}"
