"""The litellm adapter: the only module that imports litellm, and only on first use.

Streams text and tool-call deltas and assembles them; reports usage and cost; retries
429 / 5xx / timeouts with backoff (honouring Retry-After) until text has been shown, and a
connection that was never made once, at once; treats a stream that ends without a finish
reason, stalls, or runs past the whole-answer deadline (`answer_timeout`: `request_timeout`
bounds each read, not an endless stream) as an error.

The wait for the first byte of an answer is not a stall: a server on a CPU reads a long prompt
for minutes before it writes anything. Until then `first_token_timeout` applies (not the idle
timeout between chunks), and a `Waiting` event reports the wait about once a second.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
import os
import random
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from ..collection import collection_paused
from ..errors import AnswerTimeoutError, FirstTokenTimeoutError, ModelError, ModelStreamError
from ..events import Notice, TextDelta, Waiting
from ..messages import Message, ToolCallPart, provider_messages
from .base import ModelRequest, ModelResponse, ModelSettings, StreamItem, TokenCount
from .daemon import in_daemon_thread
from .litellm_errors import provider_of, retry_after, translate
from .structured_output import response_format_for

BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
# litellm raises "The model is repeating the same chunk" after 100 identical chunks, which ends a
# repetitive but valid answer (a table, a drawing, "ha! " * 150) as a broken stream; agentsh's own
# limits (answer_timeout, stream_idle_timeout, the context window) decide instead.
REPEATED_CHUNK_LIMIT = sys.maxsize
WAITING_SHOWN_AFTER = 1.0  # seconds without a first byte before the wait is reported
WAITING_EVERY = 1.0  # seconds between reports of the wait
# The HTTP client's own read timeout is this much longer than first_token_timeout, so that the
# first-byte limit is agentsh's (an error that says so, not retried) rather than a read timeout
# (retried: the whole prompt sent again, to wait as long again).
FIRST_TOKEN_MARGIN = 1.0
# Anthropic caches a prompt's prefix only up to explicit breakpoints (OpenAI, DeepSeek and Gemini cache
# without them): one after the system prompt (tools and instructions) and one on the newest message,
# so that the next turn's request, which begins with this one, is read from the cache.
CACHE_BREAKPOINTS = ({"location": "message", "role": "system"}, {"location": "message", "index": -1})
_import_lock = threading.Lock()
_litellm: Any = None  # the configured module, once loaded


def load_litellm() -> Any:
    """Import litellm quietly and offline (its cost map ships with it). Thread-safe."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        if _litellm is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            with _collector_paused():
                import litellm

                _import_first_call_modules()

            litellm.suppress_debug_info = True
            litellm.drop_params = True
            litellm.REPEATED_STREAMING_CHUNK_LIMIT = REPEATED_CHUNK_LIMIT  # Final in litellm's types; read at each check
            for name in ("LiteLLM", "LiteLLM Proxy", "LiteLLM Router", "litellm"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            _litellm = litellm
        return _litellm


# What litellm imports only on its first call (~0.4 s: the OpenAI SDK's resources, the
# tokenizer, the types its logging uses), found with `python -X importtime`. Imported with
# litellm, so that the background warm-up leaves the first message nothing to import.
FIRST_CALL_MODULES = (
    "openai.resources.chat",
    "litellm.litellm_core_utils.default_encoding",
    "litellm.proxy._types",
    "litellm.proxy.openai_files_endpoints.common_utils",
)


def _import_first_call_modules() -> None:
    for name in FIRST_CALL_MODULES:
        with suppress(Exception):  # another litellm version, another layout: only a warm-up is lost
            importlib.import_module(name)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while litellm imports, then freeze what it built.

    The import allocates ~300,000 objects; each full collection it triggers scans them all
    while holding the GIL, and they grow to ~130 ms: the UI's event loop stalls that long,
    five times over, and the import takes a third longer. Frozen (gc.freeze), those objects,
    which live as long as the process, are never scanned again, so later full collections
    (on the UI thread too) do not pay for them either. A few cycles of import garbage stay
    uncollected: their memory is negligible.
    """
    if "litellm" in sys.modules:  # imported already (by a plugin, say): nothing to spare
        yield
        return
    with collection_paused(freeze=True):
        yield


def uses_cache_breakpoints(model: str) -> bool:
    """Whether requests to `model` carry Anthropic's cache_control breakpoints (litellm injects them)."""
    return provider_of(model) == "anthropic"


def is_loaded() -> bool:
    """Whether litellm is imported already (then calls into it need no thread to wait in)."""
    return _litellm is not None


async def _loaded_litellm() -> Any:
    """litellm for a model call: imported off the event loop the first time, then at no cost
    (a thread hop per call costs a GIL hand-over, up to the 5 ms switch interval)."""
    return _litellm if _litellm is not None else await in_daemon_thread(load_litellm, "agentsh-litellm")


class LiteLLMModel:
    def __init__(self, name: str, settings: ModelSettings | None = None) -> None:
        self.name = name
        self.retries = settings.retries if settings else 3
        self.request_timeout = settings.request_timeout if settings else 600.0
        self.idle_timeout = settings.stream_idle_timeout if settings else 60.0
        self.answer_timeout = settings.answer_timeout if settings else 600.0
        self.first_token_timeout = settings.first_token_timeout if settings else 600.0
        self._unpriced = False
        self._vision: bool | None = None  # whether litellm says the model takes images: asked once, when a request has some

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        litellm = await _loaded_litellm()
        attempt = 0
        cause: Exception
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
            limit = self.retries if failure.retry_limit is None else min(self.retries, failure.retry_limit)
            if state.text_shown or not failure.retryable or attempt >= limit:
                raise failure from None
            attempt += 1
            delay = self._delay(failure, cause, attempt)
            yield Notice(message=f"{_sentence(str(failure))} Retrying in {delay:.1f} s (attempt {attempt + 1} of {limit + 1}).", level="warning")
            await asyncio.sleep(delay)

    def _delay(self, failure: ModelError, error: BaseException, attempt: int) -> float:
        if failure.retry_delay is not None:
            return failure.retry_delay
        asked = retry_after(error)
        if asked is not None:
            return min(asked, BACKOFF_CAP * 4)
        return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)

    async def _attempt(self, litellm: Any, request: ModelRequest, state: _StreamState) -> AsyncIterator[StreamItem]:
        opening = asyncio.ensure_future(self._open(litellm, request))
        async for waiting in self._first_byte(opening):
            yield waiting
        stream, chunks, chunk = opening.result()
        watch = _IdleWatch(self.idle_timeout, self.answer_timeout)  # from the first byte on
        try:
            while chunk is not _ENDED:
                text = state.absorb(chunk)
                if text:
                    state.text_shown = True
                    yield TextDelta(delta=text)
                try:
                    chunk = await watch.wait(anext(chunks))
                except StopAsyncIteration:
                    chunk = _ENDED
                except _Stalled:
                    raise ModelStreamError(f"{self._where}: the answer stream stalled (no data for {self.idle_timeout:g} s)") from None
                except _TooLong:
                    raise AnswerTimeoutError(f"{self._where}: the answer took longer than {self.answer_timeout:g} s (answer_timeout); cut off there") from None
        finally:
            watch.close()
        self._check_complete(stream, state)
        yield state.response(self.name, self._cost(litellm, state.usage))

    async def _open(self, litellm: Any, request: ModelRequest) -> tuple[Any, Any, Any]:
        """Send the request and read the first chunk: all that comes before the first byte of the answer."""
        stream = await litellm.acompletion(**self._arguments(request))
        chunks = aiter(stream)
        try:
            first = await anext(chunks)
        except StopAsyncIteration:
            first = _ENDED
        return stream, chunks, first

    async def _first_byte(self, opening: asyncio.Future) -> AsyncIterator[Waiting]:
        """Wait for `opening` until `first_token_timeout`, reporting the wait about once a second."""
        opening.add_done_callback(_retrieved)
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline, report = started + self.first_token_timeout, started + WAITING_SHOWN_AFTER
        try:
            while not opening.done():
                now = loop.time()
                if now >= deadline:
                    raise FirstTokenTimeoutError(
                        f"{self._where}: the model did not begin its answer within {self.first_token_timeout:g} s "
                        "(first_token_timeout): is the server overloaded, or the prompt too long for it?"
                    )
                if now >= report:
                    report = now + WAITING_EVERY
                    yield Waiting(seconds=round(now - started), model=self.name)
                    continue
                await asyncio.wait({opening}, timeout=min(deadline, report) - now)
        finally:
            opening.cancel()  # a no-op once it is done

    @property
    def _where(self) -> str:
        return f"{provider_of(self.name)} ({self.name})"

    def _arguments(self, request: ModelRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.name,
            "messages": provider_messages(request.messages, self._takes_images(request.messages)),
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": max(self.request_timeout, self.first_token_timeout + FIRST_TOKEN_MARGIN),
            "max_retries": 0,
            "num_retries": 0,
        }
        if request.tools:  # providers reject tool_choice without tools; llama-cpp-python ignores tools without it
            arguments["tools"] = request.tools
            arguments["tool_choice"] = request.tool_choice or "auto"
        if request.response_format is not None:
            response_format = response_format_for(request.response_format, request.format_level)
            if response_format is not None:
                arguments["response_format"] = response_format
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        if request.max_tokens is not None:
            arguments["max_tokens"] = request.max_tokens
        if uses_cache_breakpoints(self.name):
            arguments["cache_control_injection_points"] = CACHE_BREAKPOINTS
        return arguments

    def _takes_images(self, messages: list[Message]) -> bool:
        if self._vision is None:
            if not any(m.role == "tool" and m.images() for m in messages):
                return False
            self._vision = supports_images(self.name)
        return self._vision

    def _check_complete(self, stream: Any, state: _StreamState) -> None:
        """litellm invents finish_reason="stop" for a cut stream: look at what the provider sent."""
        if hasattr(stream, "received_finish_reason"):
            sent = stream.received_finish_reason or getattr(stream, "intermittent_finish_reason", None)
            cut = sent is None
        else:  # a litellm without that attribute: fall back to what the chunks show
            cut = state.finish_reason is None or state.broken_arguments()
        if cut:
            raise ModelStreamError(f"{self._where}: the answer stream ended before the model finished")

    def _cost(self, litellm: Any, usage: TokenCount) -> float | None:
        if self._unpriced:
            return None
        try:
            cached = {"cache_read_input_tokens": usage.cached_tokens} if usage.cached_tokens else {}  # priced lower
            prompt, completion = litellm.cost_per_token(
                model=self.name, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens, **cached,
            )
        except Exception:  # unknown model (a local server, say): litellm has no price for it, nor will it next call
            self._unpriced = True
            return None
        return prompt + completion


_ENDED = object()  # the stream's end, in place of a chunk


def _retrieved(future: asyncio.Future) -> None:
    """Mark an abandoned attempt's failure as seen: asyncio would log it as never retrieved."""
    if not future.cancelled():
        future.exception()


class _Stalled(Exception):
    """No chunk came for the idle timeout."""


class _TooLong(Exception):
    """The answer was still streaming at the whole-answer deadline."""


class _IdleWatch:
    """The stall timeout of a stream and its whole-answer deadline: one timer, re-armed lazily.

    `asyncio.timeout` per chunk costs a Timeout and a TimerHandle each (~3.5 µs, 1% of a
    chunk's time through litellm); here each wait only notes when it began, and the timer,
    when it fires, cancels the waiting task only if that wait has lasted `seconds`, or the
    whole stream `total` seconds. Between waits (a chunk being handled) nothing is cancelled:
    the next wait finds the deadline passed and ends the stream itself.
    """

    def __init__(self, seconds: float, total: float = float("inf")) -> None:
        self.seconds = seconds
        self.loop = asyncio.get_running_loop()
        self.task = asyncio.current_task()
        self.deadline = self.loop.time() + total
        self.since: float | None = None  # when the current wait began; None between waits
        self.timer: asyncio.TimerHandle | None = None
        self.fired: type[Exception] | None = None

    async def wait(self, awaitable: Any) -> Any:
        self.since = self.loop.time()
        if self.since >= self.deadline:
            _close(awaitable)
            raise _TooLong
        if self.timer is None:
            self.timer = self.loop.call_at(self._due(), self._check)
        cancelling = self.task.cancelling() if self.task else 0
        try:
            return await awaitable
        except asyncio.CancelledError:
            if self.fired and self.task is not None and self.task.uncancel() <= cancelling:
                raise self.fired from None
            raise
        finally:
            self.since = None

    def _due(self) -> float:
        return min(self.since + self.seconds, self.deadline) if self.since is not None else self.deadline

    def _check(self) -> None:
        self.timer = None
        if self.since is None or self.task is None:
            return  # not waiting: the next wait re-arms the timer
        now = self.loop.time()
        if now >= self.deadline or now >= self.since + self.seconds:
            self.fired = _TooLong if now >= self.deadline else _Stalled
            self.task.cancel()
        else:
            self.timer = self.loop.call_at(self._due(), self._check)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _close(awaitable: Any) -> None:
    """Discard a coroutine that will not be awaited, without a "never awaited" warning."""
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _field(obj: Any, name: str) -> Any:
    """`getattr(obj, name, None)`, cheap on litellm's stream objects.

    They are pydantic models that keep most fields as extras: each lookup goes through
    pydantic's `__getattr__`, and a missing one (`usage` on all but the last chunk) raises
    and catches an AttributeError: ~6 µs a chunk in all, 2% of its time through litellm.
    """
    extra = getattr(obj, "__pydantic_extra__", None)
    if extra is None:
        return getattr(obj, name, None)
    values = obj.__dict__
    if name in values:
        return values[name]
    if name in extra:
        return extra[name]
    owner: type = type(obj)  # a bare `type`: mypy thinks type[Any] unhashable (python/mypy#11470)
    return getattr(obj, name, None) if _on_class(owner, name) else None


@functools.lru_cache(maxsize=256)
def _on_class(cls: type, name: str) -> bool:
    """Whether `name` is a class attribute (a property, say) rather than a missing field."""
    return any(name in vars(klass) for klass in cls.__mro__)


def _cached_tokens(usage: Any) -> int:
    """The prompt tokens the provider served from its cache (litellm's `prompt_tokens_details.cached_tokens`)."""
    details = _field(usage, "prompt_tokens_details")
    cached = _field(details, "cached_tokens") if details is not None else None
    return cached if isinstance(cached, int) and cached > 0 else 0


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
        usage = _field(chunk, "usage")
        if usage:
            self.usage = TokenCount(
                prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0, cached_tokens=_cached_tokens(usage),
            )
        choices = _field(chunk, "choices")
        if not choices:
            return ""
        choice = choices[0]
        self.finish_reason = _field(choice, "finish_reason") or self.finish_reason
        delta = _field(choice, "delta")
        for call in _field(delta, "tool_calls") or []:
            self._absorb_call(call)
        text = _field(delta, "content") or ""
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
                except RecursionError:  # complete or not, nested too deeply: the executor says so to the model
                    pass
        return False

    def response(self, model: str, cost: float | None) -> ModelResponse:
        calls = [
            ToolCallPart(id=c.id or f"call_{i}", name=c.name, arguments="".join(c.arguments) or "{}")
            for i, c in sorted(self.calls.items())
        ]
        message = Message(role="assistant", content="".join(self.text), tool_calls=calls)
        return ModelResponse(message=message, model=model, finish_reason=self.finish_reason or "stop", usage=self.usage, cost=cost)


def supports_images(model: str) -> bool:
    """Whether litellm knows `model` to accept images (False when it does not know the model)."""
    try:
        return bool(load_litellm().supports_vision(model=model))
    except Exception:  # an unknown model or provider: litellm raises rather than answer no
        return False
