"""Rows of the session store as typed records."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..messages import Attachment, Message, ToolCallPart

M = TypeVar("M", bound=BaseModel)


def workspace_of(folder: Path | str) -> str:
    """How a session records the folder it was started in: the real path, so links and `..` compare equal."""
    return os.path.realpath(folder)


def short_folder(workspace: str | None) -> str:
    """A recorded workspace as shown in listings: `~` for the home folder; sessions from before folders were recorded say so."""
    if workspace is None:
        return "(folder not recorded)"
    home = str(Path.home())
    return "~" + workspace[len(home):] if workspace == home or workspace.startswith(home + os.sep) else workspace


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
    workspace: str | None = None  # the folder the session was started in
    cached_tokens: int = 0  # of prompt_tokens, read from the provider's prompt cache
    origin: str | None = None  # "run" (one-shot `agentsh run`) or "interactive"; None for sessions from before it was kept

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
        "attachments": json.dumps([a.model_dump() for a in message.attachments]) if message.attachments else None,
        "cut": int(message.cut),
        "budget_limited": int(message.budget_limited),
        "created_at": now(),
    }


MESSAGE_COLUMNS = "role, content, tool_calls, tool_call_id, name, interrupted, step_limited, attachments, cut, budget_limited"


def message_from_row(row: tuple) -> Message:
    """Build a Message from a MESSAGE_COLUMNS tuple. Rows were validated when written, so skip validation."""
    role, content, tool_calls, tool_call_id, name, interrupted, step_limited, attachments, cut, budget_limited = row
    calls = [ToolCallPart.model_construct(**c) for c in json.loads(tool_calls)] if tool_calls else []
    attached = [Attachment.model_construct(**a) for a in json.loads(attachments)] if attachments else []
    return _constructed(Message, {
        "role": role, "content": content or "", "tool_calls": calls, "tool_call_id": tool_call_id, "name": name,
        "interrupted": bool(interrupted), "step_limited": bool(step_limited), "cut": bool(cut),
        "budget_limited": bool(budget_limited), "attachments": attached,
    })


def _constructed(model: type[M], values: dict[str, Any]) -> M:
    """What `model.model_construct(**values)` makes when `values` holds every field, without its per-field loop
    (43 µs a message: most of resuming a 10,000-message session). The model has no private or extra attributes."""
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", values)
    object.__setattr__(made, "__pydantic_fields_set__", set(values))
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made
