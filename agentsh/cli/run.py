"""`agentsh run` in this process: one turn of a Session, printed by cli/printers.py.

cli/oneshot.py reads the prompt and tries a warm service first; this module (which imports the
session, and through it litellm) runs the turn here when there is none. Exit statuses: see oneshot.py.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from contextlib import aclosing
from typing import Any

from ..commands import custom_command_turn
from ..config import settings_from_args
from ..custom_commands import TurnOptions
from ..events import (
    ApprovalRequest,
    ElicitationRequest,
    Error,
    Notice,
    SamplingRequest,
    TurnDone,
)
from ..forms import FormAnswer
from ..modes.answer_schema import answer_model
from ..session import Session, open_store
from ..signals import say_stopped, stoppable
from ..tools.approval import Decision
from .printers import CLEAR_LINE, JsonPrinter, Printer, SchemaPrinter, TextPrinter, discard_typeahead
from .run_input import output_closed
from .support import WaitingNotice

__all__ = ["CLEAR_LINE", "JsonPrinter", "Printer", "SchemaPrinter", "TextPrinter", "discard_typeahead", "run_in_process", "run_turn"]


def run_in_process(args: argparse.Namespace, prompt: str, words: int | None, schema: dict[str, Any] | None) -> int:
    if schema is not None:
        answer_model(schema)  # a schema outside the supported subset is refused now, before any model call
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
        return output_closed()
    finally:
        session.close_store()
    say_stopped(status)
    return status


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


run_turn = _run_turn  # one turn printed as `agentsh run` prints it: `sessions replay` and `compare` use it too
