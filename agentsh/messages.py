"""Chat messages: the conversation as the model sees it, with a JSON adapter."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

Role = Literal["system", "user", "assistant", "tool"]


class ToolCallPart(BaseModel):
    id: str
    name: str
    arguments: str  # the raw JSON text the model produced; it may be invalid

    def parsed_arguments(self) -> dict[str, Any] | str:
        try:
            value = json.loads(self.arguments or "{}")
        except json.JSONDecodeError:
            return self.arguments
        return value if isinstance(value, dict) else self.arguments


class Message(BaseModel):
    role: Role
    content: str = ""
    tool_calls: list[ToolCallPart] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    interrupted: bool = False
    step_limited: bool = False

    def to_provider(self) -> dict[str, Any]:
        """The OpenAI-format dict that litellm and most servers accept."""
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls:
            data["content"] = self.content or None
            data["tool_calls"] = [_provider_call(c) for c in self.tool_calls]
        if self.role == "tool":
            data["tool_call_id"] = self.tool_call_id
            data["name"] = self.name
        return data


def _provider_call(call: ToolCallPart) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def system(text: str) -> Message:
    return Message(role="system", content=text)


def user(text: str) -> Message:
    return Message(role="user", content=text)


def tool_result(call: ToolCallPart, output: str) -> Message:
    return Message(role="tool", content=output, tool_call_id=call.id, name=call.name)


MESSAGES_ADAPTER: TypeAdapter[list[Message]] = TypeAdapter(list[Message])
