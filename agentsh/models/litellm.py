"""The litellm adapter: the only module that imports litellm, and only on first use.

Streams text and tool-call deltas and assembles them; reports usage and cost; retries
429 / 5xx / timeouts with backoff (honouring Retry-After) until text has been shown;
treats a stream that ends without a finish reason, or stalls, as an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator

from ..errors import ModelError, ModelStreamError
from ..events import Notice, TextDelta
from ..messages import Message, ToolCallPart
from .base import ModelRequest, ModelResponse, StreamItem, TokenCount
from .litellm_errors import provider_of, retry_after, translate

if TYPE_CHECKING:
    from ..config import Settings

BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
_import_lock = threading.Lock()


def load_litellm() -> Any:
    """Import litellm quietly and offline (its cost map ships with it). Thread-safe."""
    with _import_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True
        for name in ("LiteLLM", "LiteLLM Proxy", "LiteLLM Router", "litellm"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        return litellm


class LiteLLMModel:
    def __init__(self, name: str, settings: "Settings | None" = None) -> None:
        self.name = name
        self.retries = settings.retries if settings else 3
        self.request_timeout = settings.request_timeout if settings else 600.0
        self.idle_timeout = settings.stream_idle_timeout if settings else 60.0

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        litellm = await asyncio.to_thread(load_litellm)
        attempt = 0
        while True:
            state = _StreamState()
            try:
                async for item in self._attempt(litellm, request, state):
                    yield item
                return
            except ModelError as error:
                failure, cause = error, error
            except Exception as error:  # litellm and its HTTP stacks raise many types
                failure, cause = translate(error, self.name), error
            if state.text_shown or not failure.retryable or attempt >= self.retries:
                raise failure from None
            attempt += 1
            delay = self._delay(cause, attempt)
            yield Notice(message=f"{_sentence(str(failure))} Retrying in {delay:.1f} s (attempt {attempt + 1} of {self.retries + 1}).", level="warning")
            await asyncio.sleep(delay)

    def _delay(self, error: BaseException, attempt: int) -> float:
        asked = retry_after(error)
        if asked is not None:
            return min(asked, BACKOFF_CAP * 4)
        return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)

    async def _attempt(self, litellm: Any, request: ModelRequest, state: "_StreamState") -> AsyncIterator[StreamItem]:
        stream = await litellm.acompletion(**self._arguments(request))
        chunks = aiter(stream)
        while True:
            try:
                async with asyncio.timeout(self.idle_timeout):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise ModelStreamError(f"{self._where}: the answer stream stalled (no data for {self.idle_timeout:g} s)") from None
            text = state.absorb(chunk)
            if text:
                state.text_shown = True
                yield TextDelta(delta=text)
        self._check_complete(stream, state)
        yield state.response(self.name, self._cost(litellm, state.usage))

    @property
    def _where(self) -> str:
        return f"{provider_of(self.name)} ({self.name})"

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.name,
            "messages": [m.to_provider() for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": self.request_timeout,
            "max_retries": 0,
            "num_retries": 0,
        }
        if request.tools:
            arguments["tools"] = request.tools
        if request.tool_choice and request.tools:  # providers reject tool_choice without tools
            arguments["tool_choice"] = request.tool_choice
        if request.response_format is not None:
            arguments["response_format"] = request.response_format
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        return arguments

    def _check_complete(self, stream: Any, state: "_StreamState") -> None:
        """litellm invents finish_reason="stop" for a cut stream: look at what the provider sent."""
        if hasattr(stream, "received_finish_reason"):
            sent = stream.received_finish_reason or getattr(stream, "intermittent_finish_reason", None)
            cut = sent is None
        else:  # a litellm without that attribute: fall back to what the chunks show
            cut = state.finish_reason is None or state.broken_arguments()
        if cut:
            raise ModelStreamError(f"{self._where}: the answer stream ended before the model finished")

    def _cost(self, litellm: Any, usage: TokenCount) -> float | None:
        try:
            prompt, completion = litellm.cost_per_token(model=self.name, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
        except Exception:  # unknown model: litellm has no price for it
            return None
        return prompt + completion


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _StreamState:
    """Assembles one streamed answer from its chunks."""

    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: TokenCount = field(default_factory=TokenCount)
    text_shown: bool = False

    def absorb(self, chunk: Any) -> str:
        usage = getattr(chunk, "usage", None)
        if usage:
            self.usage = TokenCount(prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0)
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self.finish_reason = choice.finish_reason or self.finish_reason
        delta = choice.delta
        for call in getattr(delta, "tool_calls", None) or []:
            self._absorb_call(call)
        text = getattr(delta, "content", None) or ""
        if text:
            self.text.append(text)
        return text

    def _absorb_call(self, delta: Any) -> None:
        partial = self.calls.setdefault(delta.index or 0, _PartialCall())
        partial.id = partial.id or (delta.id or "")
        function = delta.function
        if function is not None:
            partial.name = partial.name or (function.name or "")
            partial.arguments.append(function.arguments or "")

    def broken_arguments(self) -> bool:
        for call in self.calls.values():
            text = "".join(call.arguments).strip()
            if text:
                try:
                    json.loads(text)
                except json.JSONDecodeError:
                    return True
        return False

    def response(self, model: str, cost: float | None) -> ModelResponse:
        calls = [
            ToolCallPart(id=c.id or f"call_{i}", name=c.name, arguments="".join(c.arguments) or "{}")
            for i, c in sorted(self.calls.items())
        ]
        message = Message(role="assistant", content="".join(self.text), tool_calls=calls)
        return ModelResponse(message=message, model=model, finish_reason=self.finish_reason or "stop", usage=self.usage, cost=cost)
