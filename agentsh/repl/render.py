"""The plain REPL's transcript: events and messages as terminal lines.

Every piece of model, tool or user-derived text goes through `neutralize` before it is
written, so escape sequences are shown, never executed. Colour (our own SGR codes,
added after neutralizing) is used only on a terminal, and never with NO_COLOR set.
"""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

from ..costs import TurnCost
from ..events import (
    ApprovalRequest,
    Compaction,
    ElicitationRequest,
    Error,
    Event,
    MemoryRecall,
    Notice,
    SamplingRequest,
    SessionInfo,
    Step,
    TextDelta,
    ToolCall,
    ToolProgress,
    ToolResult,
    TurnDone,
    Usage,
    Waiting,
)
from ..forms import FormError, form_fields
from ..terminal import neutralize, reveal
from ..text import format_duration
from ..tools.call_text import call_segments, is_compound
from .live import LiveAnswer
from .steps import StepTree, first_line, step_lines

SEGMENT_STYLES: dict[str, str | None] = {"text": None, "key": "bold", "operator": "operator"}
STYLES = {"operator": "1;7;33", "dim": "2", "red": "31", "yellow": "33", "green": "32", "cyan": "36", "bold": "1"}
ARGUMENT_LIMIT = 80
RESULT_LIMIT = 100
AGENT_LIMIT = 24
WAITING_LINE_EVERY = 10  # seconds between "waiting for the model" lines where no line can be rewritten
CLEAR_LINE = "\r\x1b[K"


def wants_color(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("NO_COLOR")


class TranscriptPrinter:
    """Writes what the user sees. Answer text streams; everything else is whole lines.

    On a terminal (`live`), a status line (the wait for a model's first byte) is rewritten in
    place and erased by whatever is written next; elsewhere it is a line every `WAITING_LINE_EVERY` s.
    """

    def __init__(self, out: TextIO, color: bool = False, live: bool = False, markdown: bool = False) -> None:
        self.out = out
        self.answer = LiveAnswer(out, color) if markdown else None  # answers rendered as Markdown (a terminal only)
        self.color = color
        self.live = live
        self._status_shown = False  # a status line is on screen, the cursor at its end
        self._waited = 0  # seconds of the last wait reported (a new wait starts again from 1)
        self._streaming = False  # answer text was written with no newline after it yet
        self._open_call: str | None = None  # the tool call whose line waits for its result
        self._calls: dict[str, ToolCall] = {}
        self._answered = False  # this turn's answer was streamed
        self.cost = TurnCost()  # this turn's model calls, shown after its answer
        self._tree = StepTree()  # nested runs (mode profiles, workflow nodes): their steps indented

    # writing -------------------------------------------------------------------

    def write(self, text: str, style: str | None = None) -> None:
        if self.answer is not None and self.answer.active:
            self.answer.finish()
        self._clear_status()
        safe = neutralize(text.replace("\r\n", "\n"))
        if style and self.color and safe:
            safe = f"\x1b[{STYLES[style]}m{safe}\x1b[0m"
        self.out.write(safe)
        self.out.flush()

    def line(self, text: str, style: str | None = None) -> None:
        self.pause()
        self.write(text, style)
        self.write("\n")

    def block(self, text: str, style: str | None = None) -> None:
        for line in text.splitlines() or [""]:
            self.line(line, style)

    def pause(self) -> None:
        """End a streaming answer or a tool line, so the next output starts on its own line."""
        if self.answer is not None and self.answer.active:
            self.answer.finish()
        self._clear_status()
        if self._streaming or self._open_call:
            self.write("\n")
        self._streaming = False
        self._open_call = None

    def status(self, text: str) -> None:
        """Show `text` on a line of its own that the next output replaces (on a terminal only)."""
        self.pause()
        self.write(text, "dim")
        self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self._status_shown = False
            self.out.write(CLEAR_LINE)

    # events --------------------------------------------------------------------

    def show(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is not None:
            handler(event)

    def _on_session(self, event: SessionInfo) -> None:
        self._answered = False
        self._calls.clear()
        if self.answer is not None:
            self.answer.wait("waiting for the model")
        self.cost = TurnCost()

    def _on_usage(self, event: Usage) -> None:
        self.cost.add(event)

    def _on_text(self, event: TextDelta) -> None:
        if event.agent is not None or not event.delta:  # sub-agents' drafts: their steps summarise them
            return
        if self._open_call:
            self.pause()
        if self.answer is not None:
            self._clear_status()
            self.answer.write(event.delta)
            self._answered = True
            return
        self.write(event.delta)
        self._streaming = self._answered = True

    def _on_tool_call(self, event: ToolCall) -> None:
        self.pause()
        self._calls[event.id] = event
        self.write(_call_text(event), "dim")
        self._open_call = event.id

    def _on_tool_result(self, event: ToolResult) -> None:
        summary = _result_text(event) + _image_lines(event)
        style = "dim" if event.ok else "red"
        if self._open_call == event.id:
            self.write(summary + "\n", style)
            self._open_call = None
            return
        call = self._calls.get(event.id)
        called = _call_text(call) if call else f"⚙ {event.name} "
        self.pause()
        self.write(called, "dim")
        self.write(summary + "\n", style)

    def _on_tool_progress(self, event: ToolProgress) -> None:
        text = f"{event.name}: {event.label}"
        if self.live:
            self.status(f"… {text}")
        else:
            self.line(f"· {text}", "dim")

    def _on_approval(self, event: ApprovalRequest) -> None:
        """The whole call, never cut: operators that chain or redirect a shell command stand out."""
        if self._open_call == event.id:
            self.write("\n")
            self._open_call = None
        self.line(f"? {event.name} needs your approval for this call:", "yellow")
        self.write("    ")
        for text, kind in call_segments(event.arguments):
            self.write(text.replace("\n", "\n    "), SEGMENT_STYLES[kind])
        self.write("\n")
        if is_compound(event.arguments):
            self.line("  compound command: the marked parts run more programs or redirect", "yellow")
        if event.hints:
            self.line(f"  the tool's server says (unverified hints): {', '.join(event.hints)}", "dim")

    def _on_elicitation(self, event: ElicitationRequest) -> None:
        """The server's message and fields, each its own words shown literally."""
        self.line(f"? {event.server} asks you to fill in a form:", "yellow")
        self.block(indented(event.message))
        try:
            fields = form_fields(event.requested_schema)
        except FormError as problem:
            self.line(f"  (no form can be shown: {problem})", "yellow")
            return
        for item in fields:
            self.line(f"  · {item.title} ({item.hint()})" + (f": {item.description}" if item.description else ""), "dim")

    def _on_sampling(self, event: SamplingRequest) -> None:
        self.line(f"? {event.server} asks {event.model or 'the model'} for a completion (up to {event.max_tokens} tokens):", "yellow")
        if event.system_prompt:
            self.block(indented(f"system prompt: {event.system_prompt}"))
        for message in event.messages:
            self.block(indented(f"{message.role}: {message.text}"))

    def _on_step(self, event: Step) -> None:
        self.cost.add(event)
        depth = self._tree.depth(event)
        if event.status == "pending" and depth:  # a workflow's nodes waiting their turn: the TUI shows them, a line would be noise
            return
        for text in step_lines(event):
            self.line("  " * depth + text, "cyan")

    def _on_notice(self, event: Notice) -> None:
        warning = event.level == "warning"
        self.line(f"! {event.message}" if warning else f"· {event.message}", "yellow" if warning else "dim")

    def _on_waiting(self, event: Waiting) -> None:
        if self.answer is not None and not self.answer.source:
            self.answer.wait(event.label)
        elif self.live:
            self.status(f"… {event.label}")
        elif event.seconds // WAITING_LINE_EVERY > self._waited // WAITING_LINE_EVERY:
            self.line(f"· {event.label}", "dim")
        self._waited = event.seconds

    def _on_memory(self, event: MemoryRecall) -> None:
        count = len(event.memories)
        texts = "; ".join(first_line(m.text, 40) for m in event.memories[:3])
        more = "; …" if count > 3 else ""
        self.line(f"· recalled {count} memor{'y' if count == 1 else 'ies'}: {texts}{more}", "dim")

    def _on_compaction(self, event: Compaction) -> None:
        self.line(compaction_text(event), "dim")

    def _on_error(self, event: Error) -> None:
        self.line(f"error: {event.message}", "red")

    def _on_done(self, event: TurnDone) -> None:
        if not self._answered and event.output and not event.failed:
            self.line(event.output)
        self.pause()
        if event.interrupted:
            self.line("■ interrupted: the partial answer is kept", "yellow")
        if event.step_limited:
            self.line("! the answer was cut short by the step limit (--max-steps)", "yellow")
        if event.cut:
            self.line(f"! {CUT_NOTE}", "yellow")
        if event.budget_limited:
            self.line("■ budget-limited: the turn stopped at its budget; the partial answer is kept (/budget to see or raise it)", "yellow")
        if self.cost.calls:
            self.line(f"· {self.cost.summary()}", "dim")


CUT_NOTE = "cut: the answer stopped at the model's token cap; /continue goes on from there"


def compaction_text(event: Compaction) -> str:
    return (
        f"· compacted {event.messages} earlier messages into a summary: "
        f"{event.tokens_before} → {event.tokens_after} tokens"
    )


def _call_text(call: ToolCall) -> str:
    who = f"[{first_line(call.agent, AGENT_LIMIT)}] " if call.agent else ""
    return f"⚙ {who}{call.name}({format_arguments(call.arguments)}) "


def _result_text(result: ToolResult) -> str:
    status = "ok" if result.ok else "error"
    return f"→ {status} {format_duration(result.duration_ms)}: {first_line(result.output, RESULT_LIMIT) or '(no output)'}"


def _image_lines(result: ToolResult) -> str:
    """The images a tool returned for the model, a line each (its output's first line may be some text)."""
    if not result.images:
        return ""
    from ..mcp.images import image_line  # only a tool server's result has images

    return "".join(f"\n    {first_line(image_line(image), RESULT_LIMIT)}" for image in result.images)


def format_arguments(arguments: dict[str, Any] | str) -> str:
    if isinstance(arguments, dict):
        text = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in arguments.items())
    else:
        text = arguments
    text = " ".join(reveal(text).split())
    return text if len(text) <= ARGUMENT_LIMIT else text[: ARGUMENT_LIMIT - 1] + "…"


def indented(text: str) -> str:
    return "    " + text.replace("\n", "\n    ")
