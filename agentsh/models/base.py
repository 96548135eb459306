"""The `ModelClient` protocol: one streamed chat completion, text and tool calls."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from ..errors import ModelStreamError
from ..events import Notice, TextDelta, Waiting
from ..messages import Message


@dataclass
class ModelRequest:
    messages: list[Message]
    tools: list[dict[str, Any]] = field(default_factory=list)
    response_format: type[BaseModel] | None = None
    # How the provider is asked for that format (models/structured_output.py): "json_schema" sends the
    # schema, "json_object" asks for JSON only, "prompt" sends no response_format (the schema is in the prompt).
    format_level: str = "json_schema"
    temperature: float | None = None
    max_tokens: int | None = None  # a cap on the answer (an MCP server's sampling request sets one)
    tool_choice: str | None = None  # "none" forbids tool calls while keeping the schemas
    # Tools described in the prompt for a text protocol (react); never sent as native tools.
    text_tools: list[dict[str, Any]] = field(default_factory=list)


class ModelSettings(Protocol):
    """What a model client reads from the settings; `agentsh.config.Settings` has all of it."""

    @property
    def retries(self) -> int: ...

    @property
    def request_timeout(self) -> float: ...

    @property
    def stream_idle_timeout(self) -> float: ...

    @property
    def answer_timeout(self) -> float: ...

    @property
    def first_token_timeout(self) -> float: ...


@dataclass
class TokenCount:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, read from the provider's prompt cache

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: TokenCount) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_tokens += other.cached_tokens

    def as_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens, "cached_tokens": self.cached_tokens,
        }


@dataclass
class ModelResponse:
    """The assembled result of one model call: always the last item of a stream."""

    message: Message
    model: str
    finish_reason: str = "stop"
    usage: TokenCount = field(default_factory=TokenCount)
    cost: float | None = None
    reused: bool = False  # a replay gave a kept answer again: no call was made


StreamItem = TextDelta | Notice | Waiting | ModelResponse

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # tokens of role and framing per message


def estimate_tokens(messages: list[Message], tools: list[dict] | None = None) -> int:
    """A cheap, slightly generous count: about four characters per token."""
    chars = sum(len(m.content) + sum(len(c.arguments) + len(c.name) for c in m.tool_calls) for m in messages)
    schema_chars = len(json.dumps(tools)) if tools else 0
    return (chars + schema_chars) // CHARS_PER_TOKEN + MESSAGE_OVERHEAD * len(messages)



@runtime_checkable
class ModelClient(Protocol):
    name: str

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        """Yield text deltas (notices such as retries, reports of a wait) as they arrive, then one ModelResponse."""
        ...


async def complete(client: ModelClient, request: ModelRequest) -> ModelResponse:
    """Run a call to the end and return only the assembled response."""
    async for item in client.stream(request):
        if isinstance(item, ModelResponse):
            return item
    raise no_response(client)


def no_response(client: ModelClient) -> ModelStreamError:
    """The error for a client whose stream ended without its ModelResponse (a broken client or provider)."""
    return ModelStreamError(f"the model {client.name!r} ended its answer without a response; try again, or use another model")
