"""`agentsh run`: one turn, headless. Text answer on stdout, or JSON Lines with --json.

Exit 0 on success, 1 when the model or provider fails, 2 for a usage error, 141 when
the reader of stdout went away (as for a command killed by SIGPIPE), 143 / 129 when
SIGTERM / SIGHUP stopped the turn (saved, marked interrupted; its shell commands stopped).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any, TextIO

from ..commands import custom_command_turn
from ..config import settings_from_args
from ..custom_commands import TurnOptions
from ..errors import UsageError
from ..events import (
    ApprovalRequest,
    Compaction,
    ElicitationRequest,
    Error,
    Event,
    MemoryRecall,
    Notice,
    SamplingRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnDone,
    Waiting,
    json_line,
)
from ..forms import FormAnswer
from ..modes.answer_schema import answer_model
from ..secrets import redact_secrets
from ..session import Session, open_store
from ..signals import say_stopped, stoppable
from ..terminal import neutralize
from ..text import has_lone_surrogates, replace_lone_surrogates
from ..tools.approval import Decision
from ..tools.call_text import call_segments, is_compound
from .support import WaitingNotice, read_stdin

EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE
CLEAR_LINE = "\r\x1b[K"

def run_command(args: argparse.Namespace) -> int:
    schema = read_schema(args.schema) if getattr(args, "schema", None) else None
    prompt, words = _prompt(args)
    settings = settings_from_args(args)
    store = open_store(settings, on_wait=WaitingNotice())
    session = Session.open(
        settings, resume=args.session, latest=args.continue_latest, store=store, anywhere=getattr(args, "continue_anywhere", False),
        origin="run",
    )
    printer = JsonPrinter(sys.stdout) if args.json else SchemaPrinter(sys.stdout, sys.stderr) if schema else TextPrinter(sys.stdout, sys.stderr)
    try:
        status = asyncio.run(stoppable(_run_turn(session, prompt, printer, words, schema)))
    except BrokenPipeError:
        return _output_closed()
    finally:
        session.close_store()
    say_stopped(status)
    return status


def _output_closed() -> int:
    """The reader went away (`agentsh run --json ... | head -1`): stop quietly, like other Unix tools."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
    return EXIT_PIPE_CLOSED


def _prompt(args: argparse.Namespace) -> tuple[str, int | None]:
    """The prompt, and how much of it is the user's own words when piped text follows them (data: no @mentions)."""
    words = " ".join(args.prompt)
    if has_lone_surrogates(words):  # bytes that are not UTF-8: replaced, as read_stdin does
        words = replace_lone_surrogates(words)
        print("agentsh: warning: the prompt is not valid UTF-8: undecodable bytes were replaced with \ufffd", file=sys.stderr)
    stdin_piped = not args.no_stdin and not sys.stdin.isatty()
    if words in ("", "-"):
        if not stdin_piped:
            raise UsageError("no prompt: give one as an argument or pipe it on stdin (agentsh run --help)")
        text, warnings = read_stdin()
    elif stdin_piped:
        context, warnings = read_stdin()
        text = f"{words}\n\n<stdin>\n{context}\n</stdin>" if context.strip() else words
        return _checked(text, warnings), len(words)
    else:
        text, warnings = words, []
    return _checked(text, warnings), None


def _checked(text: str, warnings: list[str]) -> str:
    for warning in warnings:
        print(f"agentsh: warning: {warning}", file=sys.stderr)
    if not text.strip():
        raise UsageError("the prompt is empty: give a prompt as an argument or pipe text on stdin")
    return text


def read_schema(given: str) -> dict[str, Any]:
    """`--schema`: inline JSON (it starts with "{") or a file holding it; UsageError saying what is wrong."""
    text = given
    if not given.lstrip().startswith("{"):
        try:
            text = Path(given).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            raise UsageError(f"--schema: cannot read {given!r}: {getattr(problem, 'strerror', None) or problem}") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as problem:
        raise UsageError(f"--schema: not valid JSON ({problem}); give a JSON schema file or the schema inline") from None
    answer_model(schema)  # a schema outside the supported subset is refused now, before any model call
    return schema


async def _run_turn(session: Session, prompt: str, printer: Printer, words: int | None = None, schema: dict[str, Any] | None = None) -> int:
    failed = False
    first = True
    command = custom_command_turn(session, prompt.strip())
    if command is not None and command.error:
        printer.show(Error(message=command.text, kind="UsageError"))
        return 2
    prompt, options = (command.argument or prompt, command.options) if command else (prompt, None)
    if words is not None and command is None:  # piped text after the user's words is data: its @words attach nothing
        options = TurnOptions(mentions_within=words)
    if schema is not None:
        options = dataclasses.replace(options or TurnOptions(), schema=schema)
    async with aclosing(session.send(prompt, options)) as events:  # whatever happens, the turn is stopped and saved
        async for event in events:
            printer.show(event)
            if first:
                first = False
                for notice in session.notices:
                    printer.show(Notice(message=notice, level="warning"))
            if isinstance(event, ApprovalRequest):
                _decide(event, printer)
            elif isinstance(event, ElicitationRequest | SamplingRequest):
                _unanswered(event, printer)
            if isinstance(event, TurnDone):
                failed = event.failed
    return 1 if failed else 0


def _decide(request: ApprovalRequest, printer: Printer) -> None:
    """Headless: ask on the terminal when there is one, otherwise deny and say how to allow."""
    if isinstance(printer, TextPrinter) and sys.stdin.isatty():
        decision = printer.ask(request)
    else:
        decision = Decision.DENY
        printer.show(Notice(message=f"{request.name} needs approval: re-run with --yes to allow it", level="warning"))
    if request.decision is not None and not request.decision.done():
        request.decision.set_result(decision)


def _unanswered(request: ElicitationRequest | SamplingRequest, printer: Printer) -> None:
    """`agentsh run` asks nothing of a server's own: a form is cancelled, a completion declined, and the user told."""
    answer: FormAnswer | bool = False
    future, what = request.decision if isinstance(request, SamplingRequest) else request.answer, "asked the model for a completion"
    if isinstance(request, ElicitationRequest):
        answer, what = FormAnswer("cancel"), "asked you to fill in a form"
    if future is not None and not future.done():
        future.set_result(answer)
    printer.show(Notice(message=f"{request.server} {what}: not answered in `agentsh run` (use agentsh or agentsh --plain)", level="warning"))


class Printer:
    def show(self, event: Event) -> None:
        raise NotImplementedError


class JsonPrinter(Printer):
    """Every event on stdout; a failure is also one line on stderr, for scripts that watch it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def show(self, event: Event) -> None:
        self.out.write(json_line(event) + "\n")
        self.out.flush()
        if isinstance(event, Error):
            message = neutralize(event.message) if sys.stderr.isatty() else redact_secrets(event.message)
            print(f"agentsh: error: {message}", file=sys.stderr)


class SchemaPrinter(Printer):
    """`--schema`: the answer's JSON instance alone on stdout; tool activity, notices and errors on stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.activity = TextPrinter(err, err)

    def show(self, event: Event) -> None:
        if isinstance(event, TurnDone):
            if not event.failed and not event.interrupted:
                self.out.write(redact_secrets(event.output) + "\n")
                self.out.flush()
        elif not isinstance(event, TextDelta):
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
        if isinstance(event, TextDelta) and self.live and event.agent is None:
            self._write(self.out, event.delta)
            self.streamed = True
        elif isinstance(event, ToolCall):
            self._line(f"→ {event.name}({_arguments(event.arguments)})")
        elif isinstance(event, ToolResult):
            self._line(f"{'←' if event.ok else '✗'} {event.name}: {_summary(event.output)}")
        elif isinstance(event, Notice):
            self._line(f"agentsh: {event.message}")
        elif isinstance(event, Waiting) and self.err.isatty():
            self._status(f"agentsh: {event.label}")
        elif isinstance(event, MemoryRecall):
            self._line(f"agentsh: recalled {_count(len(event.memories), 'memory', 'memories')}: " + "; ".join(m.text for m in event.memories)[:200])
        elif isinstance(event, Compaction):
            self._line(f"agentsh: compacted the conversation: {_count(event.messages, 'earlier message')} now summarised "
                       f"(~{event.tokens_before} → ~{event.tokens_after} tokens)")
        elif isinstance(event, Error):
            self._line(f"agentsh: error: {event.message}")
        elif isinstance(event, TurnDone):
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
            self.err.write(CLEAR_LINE)
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


run_turn = _run_turn  # one turn printed as `agentsh run` prints it: `sessions replay` and `compare` use it too
