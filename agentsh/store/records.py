"""Rows of the session store as typed records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from ..messages import Message, ToolCallPart


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class SessionRecord(BaseModel):
    id: str
    title: str | None = None
    mode: str
    model: str
    parent_id: str | None = None
    fork_point: int | None = None
    created_at: str
    updated_at: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    summary: str | None = None
    consolidated_turns: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SessionRecord:
        data = dict(row)
        if not data.pop("cost_known", 1):
            data["cost"] = None
        return cls.model_validate(data)


def message_row(message: Message, session_id: str, turn_id: int | None, seq: int) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "turn_id": turn_id,
        "seq": seq,
        "role": message.role,
        "content": message.content,
        "tool_calls": json.dumps([c.model_dump() for c in message.tool_calls]) if message.tool_calls else None,
        "tool_call_id": message.tool_call_id,
        "name": message.name,
        "interrupted": int(message.interrupted),
        "step_limited": int(message.step_limited),
        "cut": int(message.cut),
        "created_at": now(),
    }


MESSAGE_COLUMNS = "role, content, tool_calls, tool_call_id, name, interrupted, step_limited, cut"


def message_from_row(row: tuple) -> Message:
    """Build a Message from a MESSAGE_COLUMNS tuple. Rows were validated when written, so skip validation."""
    role, content, tool_calls, tool_call_id, name, interrupted, step_limited, cut = row
    calls = [ToolCallPart.model_construct(**c) for c in json.loads(tool_calls)] if tool_calls else []
    return Message.model_construct(
        role=role, content=content or "", tool_calls=calls, tool_call_id=tool_call_id, name=name,
        interrupted=bool(interrupted), step_limited=bool(step_limited), cut=bool(cut),
    )
