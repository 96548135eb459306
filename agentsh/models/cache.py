"""Model calls kept by a hash of what was asked, so a replay does not pay twice for the same call.

`request_key` hashes the model's name, the messages, the tools and the settings that shape the
answer. `CachingModel` wraps a client: every answer it gets is handed to `keep`; before calling,
it asks `reuse` for a kept answer to the same key, and streams that instead (no tokens, no cost).
A request with a temperature above 0 is not deterministic: its kept answer is reused only when
`reuse_random` says so (`--reuse`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..events import TextDelta
from ..messages import Message
from .base import ModelClient, ModelRequest, ModelResponse, StreamItem, TokenCount

Keep = Callable[[str, ModelResponse], None]
Reuse = Callable[[str], "ModelResponse | None"]


def request_key(model: str, request: ModelRequest) -> str:
    """The hash naming one model call: the same key means the same question to the same model."""
    shape = {
        "model": model,
        "messages": [_message_shape(m) for m in request.messages],
        "tools": request.tools, "text_tools": request.text_tools, "tool_choice": request.tool_choice,
        "format": request.response_format.model_json_schema() if request.response_format else None,
        "format_level": request.format_level, "temperature": request.temperature,
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


def _message_shape(message: Message) -> dict[str, Any]:
    return {
        "role": message.role, "content": message.content, "tool_call_id": message.tool_call_id, "name": message.name,
        "calls": [(c.id, c.name, c.arguments) for c in message.tool_calls],
        "attached": [(a.path, a.kind, a.data) for a in message.attachments if a.data],
    }


def deterministic(request: ModelRequest) -> bool:
    return not request.temperature


def response_record(response: ModelResponse) -> dict[str, Any]:
    """A response as kept: enough to give the same answer again."""
    return {"message": response.message.model_dump(mode="json"), "model": response.model, "finish_reason": response.finish_reason}


def reused_response(record: dict[str, Any]) -> ModelResponse:
    """A kept response given again: the same answer, and nothing spent."""
    message = Message.model_validate(record["message"])
    return ModelResponse(
        message=message, model=str(record["model"]), finish_reason=str(record["finish_reason"]), usage=TokenCount(), cost=0.0,
        reused=True,
    )


class CachingModel:
    """A model client that keeps every answer, and gives a kept one back instead of calling again."""

    def __init__(self, inner: ModelClient, keep: Keep, reuse: Reuse, reuse_random: bool = False, reuse_as: str | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.keep = keep
        self.reuse = reuse
        self.reuse_random = reuse_random
        self.reuse_as = reuse_as  # a replay with another model: the answers kept are the original model's

    def __getattr__(self, attribute: str) -> Any:  # what else callers ask of the client (its server, its limits)
        return getattr(self.inner, attribute)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        key = request_key(self.name, request)
        asked = request_key(self.reuse_as, request) if self.reuse_as else key
        kept = self.reuse(asked) if deterministic(request) or self.reuse_random else None
        if kept is not None:
            self.keep(key, kept)  # kept again for this turn: a replay of the replay finds it
            if kept.message.content:
                yield TextDelta(delta=kept.message.content)
            yield kept
            return
        async for item in self.inner.stream(request):
            if isinstance(item, ModelResponse):
                self.keep(key, item)
            yield item
