"""Run the model's tool calls: validate, ask approval, time out, capture, truncate.

Every failure becomes a tool result the model can read and act on. Calls from one
model response run concurrently; their events are emitted as they happen.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterable

from pydantic import ValidationError

from ..errors import BudgetExceededError, NestingLimitError, ToolError
from ..events import ApprovalRequest, Event, Notice, ToolProgress, ToolResult
from ..messages import MAX_ARGUMENT_DEPTH, ArgumentsTooDeep, Attachment, Message, ToolCallPart
from ..secrets import redact_secrets
from . import budget
from .approval import ApprovalPolicy, Decision
from .capture import Captured, captured_output
from .context import reporting_progress
from .output import DEFAULT_MAX_CHARS, ToolOutput, to_text, truncate, valid_utf8
from .registry import ToolRegistry
from .selection import FIND_TOOLS, Offer, ToolSelection
from .tool import Tool

DEFAULT_TIMEOUT = 60.0
Emit = Callable[[Event], None]


class ToolExecutor:
    def __init__(
        self,
        registry: ToolRegistry,
        approvals: ApprovalPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_output_chars: int = DEFAULT_MAX_CHARS,
        selection: ToolSelection | None = None,
    ) -> None:
        self.registry = registry
        self.selection = selection or ToolSelection()  # which tools a request carries when there are many
        self.approvals = approvals or ApprovalPolicy()
        self.timeout = timeout
        self.max_output_chars = max_output_chars
        # Awaited before a call to a tool that asks approval (it may change files) runs: the session's file checkpoint.
        # Returns a notice to show (why there is no checkpoint), or None.
        self.before_change: Callable[[], Awaitable[str | None]] | None = None

    async def run(
        self, calls: list[ToolCallPart], emit: Emit, agent: str | None = None, allowed: Iterable[str] | None = None
    ) -> list[ToolResult]:
        """Run `calls` concurrently, emitting approval requests and results as they happen.

        `allowed` limits which tools may run (an agent profile's tools): a call to any
        other is refused like an unknown tool, whatever the model was or was not shown.
        Returns the results in call order, whatever order they finished in.
        """
        names = None if allowed is None else set(allowed)
        return list(await asyncio.gather(*(self._run_one(call, emit, agent, names) for call in calls)))

    async def _run_one(self, call: ToolCallPart, emit: Emit, agent: str | None, allowed: set[str] | None) -> ToolResult:
        clock = _Stopwatch()
        images: tuple[Attachment, ...] = ()
        try:
            (output, images), ok = await self._execute(call, emit, allowed, clock), True
        except ToolError as failure:
            output, ok = f"Error: {failure}", False
        elapsed = clock.elapsed_ms()
        result = ToolResult(
            id=call.id, name=call.name, ok=ok, output=redact_secrets(valid_utf8(output)), duration_ms=elapsed, agent=agent, images=list(images),
        )
        emit(result)
        return result

    async def _execute(
        self, call: ToolCallPart, emit: Emit, allowed: set[str] | None, clock: _Stopwatch,
    ) -> tuple[str, tuple[Attachment, ...]]:
        tool = self._find(call.name, allowed)
        arguments = _decode_arguments(call)
        values = _validate(tool, arguments)
        await self._approve(tool, call, arguments, emit)
        await self._checkpoint(tool, arguments, emit)
        clock.restart()  # the call's time is the tool's, not the time the user took to approve it
        def progress(done: float, total: float | None, message: str | None) -> None:
            emit(ToolProgress(id=call.id, name=call.name, progress=done, total=total, message=message))

        with captured_output() as printed, reporting_progress(progress):  # a tool's print() must not reach agentsh's stdout
            try:
                result = await self._invoke(tool, values)
            finally:
                _report_printed(tool, printed, emit)
        images = result.images if isinstance(result, ToolOutput) else ()
        return truncate(redact_secrets(to_text(result)), self.max_output_chars), images  # redacted whole: a cut could halve a key

    def offer(self, messages: list[Message], allowed: Iterable[str] | None = None) -> Offer:
        """The tools a request with `messages` carries (some of them and `find_tools`, when there are many)."""
        return self.selection.offer(self.registry, messages, allowed)

    def _find(self, name: str, allowed: set[str] | None) -> Tool:
        if name == FIND_TOOLS and self.selection.over_cap(self.registry, allowed):
            return self.selection.finder(self.registry, allowed)
        tool = self.registry.get(name)
        if tool is None or (allowed is not None and name not in allowed):
            raise ToolError(f"unknown tool {name!r}. {self._valid_tools(allowed)}")
        return tool

    def _valid_tools(self, allowed: set[str] | None) -> str:
        if self.selection.over_cap(self.registry, allowed):
            return f"Call {FIND_TOOLS} to search the available tools by what they do."
        usable = [n for n in self.registry.names() if allowed is None or n in allowed]
        return f"Valid tools: {', '.join(usable) or '(none)'}."

    async def _approve(self, tool: Tool, call: ToolCallPart, arguments: dict, emit: Emit) -> None:
        if not tool.needs_approval(arguments):
            return
        scope = tool.scope_of(arguments)
        verdict = self.approvals.verdict(tool.name, scope)
        if verdict == "ask":
            decision = await _ask(call, arguments, scope, emit, tool.hints)
            self.approvals.record(tool.name, decision, scope)
            verdict = "deny" if decision is Decision.DENY else "allow"
        if verdict == "deny":
            raise ToolError(f"the user denied this call to {tool.name!r}. Do not retry it; continue without it or ask the user.")

    async def _checkpoint(self, tool: Tool, arguments: dict, emit: Emit) -> None:
        if self.before_change is None or not tool.needs_approval(arguments):
            return
        notice = await self.before_change()
        if notice:
            emit(Notice(message=notice, level="warning"))

    async def _invoke(self, tool: Tool, values: dict) -> object:
        limit = tool.timeout or self.timeout
        try:
            # A sync tool's thread cannot be killed: on timeout or cancellation the call stops
            # waiting for it at once, and the budget tells the thread to give up.
            with budget.limited(limit):
                return await asyncio.wait_for(tool.run(values), limit)
        except (TimeoutError, budget.CallStopped):
            raise ToolError(f"{tool.name} timed out after {limit:g} s.") from None
        except (ToolError, BudgetExceededError, NestingLimitError):
            raise  # the tool worded its own failure for the model (a delegation refused, sys.exit), or the turn must stop
        except Exception as error:  # a tool's own failure is a result, never a crash
            raise ToolError(f"{tool.name} raised {type(error).__name__}: {error}") from None


class _Stopwatch:
    """How long a call took: restarted once the call may run, so the wait for an approval does not count."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def restart(self) -> None:
        self.started = time.perf_counter()

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


def _report_printed(tool: Tool, printed: Captured, emit: Emit) -> None:
    text = printed.text()
    if text:
        emit(Notice(message=f"{tool.name} printed: {redact_secrets(valid_utf8(text))}", level="info"))


async def _ask(call: ToolCallPart, arguments: dict, scope: str | None, emit: Emit, hints: tuple[str, ...] = ()) -> Decision:
    future: asyncio.Future = asyncio.get_running_loop().create_future()
    emit(ApprovalRequest(id=call.id, name=call.name, arguments=arguments, always_covers=scope, decision=future, hints=list(hints)))
    try:
        return Decision(await future)
    except ValueError:  # a UI answered with something that is not a decision: refuse, safely
        return Decision.DENY


def _decode_arguments(call: ToolCallPart) -> dict:
    try:
        arguments = call.decoded_arguments()
    except ArgumentsTooDeep:
        raise ToolError(
            f"the arguments for {call.name!r} are not usable: arguments nested too deeply (limit {MAX_ARGUMENT_DEPTH}). "
            "Call the tool again with arguments that match its schema."
        ) from None
    except json.JSONDecodeError:
        arguments = None
    if isinstance(arguments, dict):
        return arguments
    raise ToolError(
        f"the arguments for {call.name!r} are not a JSON object: {call.arguments[:200]!r}. "
        "Call the tool again with a JSON object that matches its schema."
    )


def _validate(tool: Tool, arguments: dict) -> dict:
    try:
        return tool.validate(arguments)
    except ValidationError as error:
        raise ToolError(_describe_validation(tool, error)) from None


def _describe_validation(tool: Tool, error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()
    )
    schema = json.dumps(tool.parameters, separators=(",", ":"))
    return f"invalid arguments for {tool.name!r}: {problems}. Expected parameters: {schema}"
