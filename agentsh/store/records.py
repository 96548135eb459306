"""Rows of the session store as typed records."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from ..messages import Message, ToolCallPart


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "SessionRecord":
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
        "created_at": now(),
    }


def message_from_row(row: dict[str, Any]) -> Message:
    calls = [ToolCallPart.model_validate(c) for c in json.loads(row["tool_calls"])] if row["tool_calls"] else []
    return Message(
        role=row["role"],
        content=row["content"] or "",
        tool_calls=calls,
        tool_call_id=row["tool_call_id"],
        name=row["name"],
        interrupted=bool(row["interrupted"]),
        step_limited=bool(row["step_limited"]),
    )
