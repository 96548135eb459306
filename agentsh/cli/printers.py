"""How `agentsh run` prints a turn's events: the answer on stdout, activity on stderr, or JSON Lines.

Light on purpose: the warm path of `agentsh run` (cli/warm.py) prints a service's events with these
same classes without importing pydantic, so a printer reads an event by its `type` and its fields only
(an `agentsh.events` object, or an `EventView` of the same JSON).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, TextIO

from ..secrets import redact_secrets
from ..terminal import neutralize, write_control
from ..text import escape_c1_in_json
from ..tools.approval import Decision
from ..tools.call_text import call_segments, is_compound

if TYPE_CHECKING:
    from ..events import ApprovalRequest, Event, TurnDone

CLEAR_LINE = "\r\x1b[K"


class Printer:
    def show(self, event: Event) -> None:
        raise NotImplementedError


class JsonPrinter(Printer):
    """Every event on stdout; a failure is also one line on stderr, for scripts that watch it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def show(self, event: Event) -> None:
        self.out.write(escape_c1_in_json(redact_secrets(event.to_json())) + "\n")  # as events.json_line, without pydantic
        self.out.flush()
        if event.type == "error":
            message = neutralize(event.message) if sys.stderr.isatty() else redact_secrets(event.message)
            print(f"agentsh: error: {message}", file=sys.stderr)


class SchemaPrinter(Printer):
    """`--schema`: the answer's JSON instance alone on stdout; tool activity, notices and errors on stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.activity = TextPrinter(err, err)

    def show(self, event: Event) -> None:
        if event.type == "done":
            if not event.failed and not event.interrupted:
                self.out.write(redact_secrets(event.output) + "\n")
                self.out.flush()
        elif event.type != "text":
            self.activity.show(event)


class TextPrinter(Printer):
    """The answer on stdout (streamed on a terminal); tool activity and notices on stderr; on a
    terminal, the wait for a model's first byte as a status line the next output replaces."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.live = out.isatty()
        self.streamed = False
        self.status_shown = False

    def show(self, event: Event) -> None:
        if event.type == "text" and self.live and event.agent is None:
            self._write(self.out, event.delta)
            self.streamed = True
        elif event.type == "tool_call":
            self._line(f"→ {event.name}({_arguments(event.arguments)})")
        elif event.type == "tool_result":
            self._line(f"{'←' if event.ok else '✗'} {event.name}: {_summary(event.output)}")
        elif event.type == "notice":
            self._line(f"agentsh: {event.message}")
        elif event.type == "waiting" and self.err.isatty():
            self._status(f"agentsh: {event.label}")
        elif event.type == "memory":
            self._line(f"agentsh: recalled {_count(len(event.memories), 'memory', 'memories')}: " + "; ".join(m.text for m in event.memories)[:200])
        elif event.type == "compaction":
            self._line(f"agentsh: compacted the conversation: {_count(event.messages, 'earlier message')} now summarised "
                       f"(~{event.tokens_before} → ~{event.tokens_after} tokens)")
        elif event.type == "error":
            self._line(f"agentsh: error: {event.message}")
        elif event.type == "done":
            self._finish(event)

    def ask(self, request: ApprovalRequest) -> Decision:
        """The whole call, then one line: y (once), always, or anything else (Enter too) for no."""
        compound = "\n  compound command: the marked parts (» «) run more programs or redirect" if is_compound(request.arguments) else ""
        call = "".join(f"»{text}«" if kind == "operator" else text for text, kind in call_segments(request.arguments))
        self._line(f"? allow {request.name}?\n    " + call.replace("\n", "\n    ") + compound)
        always = "" if request.always_covers is None else " / type 'always' for the rest of the session"
        self._line(f"  [y]es once{always} / [N]o (Enter): ")
        discard_typeahead(sys.stdin)
        answer = sys.stdin.readline().strip().lower()
        if answer == "always" and request.always_covers is not None:
            return Decision.ALWAYS
        return Decision.ONCE if answer in ("y", "yes") else Decision.DENY

    def _finish(self, done: TurnDone) -> None:
        if done.failed and not done.output:
            return
        if self.streamed:
            self._write(self.out, "\n")
        else:
            self._write(self.out, done.output + "\n")
        if done.step_limited:
            self._line("agentsh: note: the answer was cut short by the step limit (--max-steps)")
        if done.cut:
            self._line("agentsh: note: the answer stopped at the model's token cap (finish_reason \"length\"): it is incomplete")

    def _line(self, text: str) -> None:
        if self.streamed:
            self._write(self.out, "\n")
            self.streamed = False
        self._write(self.err, text.rstrip(" ") + ("" if text.endswith(": ") else "\n"))

    def _status(self, text: str) -> None:
        if self.streamed:
            self._write(self.out, "\n")
            self.streamed = False
        self._write(self.err, text)
        self.status_shown = True

    def _write(self, stream: TextIO, text: str) -> None:
        if self.status_shown:
            self.status_shown = False
            write_control(self.err, CLEAR_LINE)
        stream.write(neutralize(text) if stream.isatty() else redact_secrets(text))
        stream.flush()


def discard_typeahead(stream: TextIO) -> None:
    """Keys typed before the question was shown must not answer it."""
    try:
        import termios

        termios.tcflush(stream.fileno(), termios.TCIFLUSH)
    except (ImportError, OSError, ValueError):
        pass


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _arguments(arguments: dict | str) -> str:
    text = json.dumps(arguments, ensure_ascii=False) if isinstance(arguments, dict) else arguments
    return text if len(text) <= 200 else text[:197] + "..."


def _summary(output: str) -> str:
    line = " ".join(output.split())
    return line if len(line) <= 200 else line[:197] + "..."
