"""`ScriptedModel`: a fake model for tests of loops and modes, with no network.

    model = ScriptedModel()
    model.add(calls(("calculator", {"expression": "1+1"})))   # first response: a tool call
    model.add("The answer is 2.")                               # second: plain text
    ... run ...
    model.requests[1].messages                                   # what the model was sent

A queued item is a string (text), a `Message`, a `Reply` (text/calls with a delay,
chunking or a pause between chunks), an exception (raised), or a function of the
request returning any of these.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..events import TextDelta
from ..messages import Message, ToolCallPart
from .base import ModelRequest, ModelResponse, StreamItem, TokenCount


@dataclass
class Reply:
    text: str = ""
    calls: list[ToolCallPart] = field(default_factory=list)
    delay: float = 0.0  # seconds before the first chunk
    chunk: int = 8
    pause: float = 0.0  # seconds between chunks: a slow stream, for interruption tests
    usage: TokenCount = field(default_factory=lambda: TokenCount(10, 5))
    cost: float | None = 0.0
    finish_reason: str | None = None  # default: "tool_calls" with calls, else "stop"; "length" is a cut answer


def calls(*specs: tuple[str, dict[str, Any] | str], text: str = "", delay: float = 0.0) -> Reply:
    """A reply that calls tools: each spec is (name, arguments dict or raw JSON text)."""
    parts = [
        ToolCallPart(id=f"call_{i}_{name}", name=name, arguments=args if isinstance(args, str) else json.dumps(args))
        for i, (name, args) in enumerate(specs)
    ]
    return Reply(text=text, calls=parts, delay=delay)


@dataclass
class RequestLog:
    request: ModelRequest
    started: float
    finished: float = 0.0

    @property
    def messages(self) -> list[Message]:
        return self.request.messages

    def text(self) -> str:
        """Every message of the request as one string, for `in` assertions."""
        return "\n".join(m.content for m in self.request.messages)


class ScriptedModel:
    def __init__(self, *items: Any, name: str = "scripted", default: Any = None) -> None:
        self.name = name
        self.queue: deque[Any] = deque(items)
        self.default = default
        self.log: list[RequestLog] = []

    @property
    def requests(self) -> list[RequestLog]:
        return self.log

    def add(self, *items: Any) -> ScriptedModel:
        self.queue.extend(items)
        return self

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        entry = RequestLog(request=request, started=time.monotonic())
        self.log.append(entry)
        reply = self._next(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        for start in range(0, len(reply.text), max(1, reply.chunk)):
            if start and reply.pause:
                await asyncio.sleep(reply.pause)
            yield TextDelta(delta=reply.text[start : start + reply.chunk])
        entry.finished = time.monotonic()
        message = Message(role="assistant", content=reply.text, tool_calls=list(reply.calls))
        finish = reply.finish_reason or ("tool_calls" if reply.calls else "stop")
        yield ModelResponse(message=message, model=self.name, finish_reason=finish, usage=reply.usage, cost=reply.cost)

    def _next(self, request: ModelRequest) -> Reply:
        if self.queue:
            item = self.queue.popleft()
        elif self.default is not None:
            item = self.default
        else:
            raise AssertionError(f"ScriptedModel: no reply queued for request #{len(self.log)}")
        return _as_reply(item, request)


def _as_reply(item: Any, request: ModelRequest) -> Reply:
    if isinstance(item, BaseException):
        raise item
    if callable(item) and not isinstance(item, Reply):
        return _as_reply(item(request), request)
    if isinstance(item, Reply):
        return item
    if isinstance(item, Message):
        return Reply(text=item.content, calls=list(item.tool_calls))
    if isinstance(item, str):
        return Reply(text=item)
    raise TypeError(f"ScriptedModel cannot reply with {item!r}")

