"""`agentsh --plain`: the shell line by line, with prompt-toolkit, in the terminal's own scrollback.

On a terminal: a prompt with history (in the data home), completion of slash commands,
Esc Enter for a newline and a bottom toolbar; answers stream in, Ctrl+C stops a turn.
On a pipe (`printf 'hello\\n' | agentsh --plain`): each line is a turn or a command,
and the shell exits at the end of its input.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from typing import TextIO

from ..config import Settings, data_home, settings_from_args
from ..errors import AgentshError
from ..session import Session, open_store
from ..signals import say_stopped, stoppable
from ..store.sessions import SessionStore
from .lines import LineTerminal
from .render import TranscriptPrinter, wants_color
from .shell import Repl, Terminal

PICK_COUNT = 10
ANYWHERE = "anywhere"  # -c --any


def _continue(args: argparse.Namespace) -> bool | str:
    """-c: True (the latest session started here); -c --any: ANYWHERE."""
    return ANYWHERE if getattr(args, "continue_anywhere", False) else args.continue_latest


def repl_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if sys.stdin.isatty() and sys.stdout.isatty():
        status = asyncio.run(stoppable(interactive(settings, args.resume, _continue(args), markdown=not args.raw)))
    else:
        tty = sys.stdout.isatty()
        transcript = TranscriptPrinter(sys.stdout, color=wants_color(sys.stdout), live=tty, markdown=tty and not args.raw)
        terminal = LineTerminal(_text_stdin(), prompt=sys.stderr if sys.stdin.isatty() else None)
        status = asyncio.run(stoppable(_run(settings, args.resume, _continue(args), terminal, transcript)))
    say_stopped(status)
    return status


async def interactive(settings: Settings, resume: str | None, latest: bool | str, markdown: bool = True) -> int:
    from .prompt import HISTORY_FILE, PromptTerminal

    shell: Repl | None = None

    def current() -> Repl:
        assert shell is not None, "the prompt asks for the session only once the shell runs"
        return shell

    terminal = PromptTerminal(
        data_home(settings) / HISTORY_FILE, session=lambda: current().session, status=lambda: current().status(),
    )
    transcript = TranscriptPrinter(sys.stdout, color=not os.environ.get("NO_COLOR"), live=True, markdown=markdown)
    session = await open_session(settings, resume, latest, terminal, transcript)
    shell = Repl(session, terminal, transcript)
    return await run_and_close(shell)


async def _run(settings: Settings, resume: str | None, latest: bool | str, terminal: Terminal, transcript: TranscriptPrinter) -> int:
    session = await open_session(settings, resume, latest, terminal, transcript)
    return await run_and_close(Repl(session, terminal, transcript))


async def run_and_close(shell: Repl) -> int:
    """The shell until it ends; then its store is checkpointed and closed: no `-wal` file left behind."""
    try:
        return await shell.run()
    finally:
        shell.session.close_store()  # every session the shell opened shares this store


async def open_session(settings: Settings, resume: str | None, latest: bool | str, terminal: Terminal, transcript: TranscriptPrinter) -> Session:
    """`--resume` with no id: list the recent sessions and let the user pick one (or start anew)."""
    store = open_store(settings)
    if resume == "":
        resume = await pick_session(store, terminal, transcript)
    return Session.open(settings, resume=resume or None, latest=bool(latest), store=store, anywhere=latest == ANYWHERE)


async def pick_session(store: SessionStore, terminal: Terminal, transcript: TranscriptPrinter) -> str | None:
    records = store.list(PICK_COUNT)
    if not records:
        transcript.line("· no earlier sessions: starting a new one", "dim")
        return None
    for number, record in enumerate(records, 1):
        when = record.updated_at[:16].replace("T", " ")
        transcript.line(f"{number:>3}. {record.id}  {when}  {record.mode:<10} {record.title or '(untitled)'}")
    if not terminal.can_ask:
        transcript.line("· starting a new session; to resume one, pass its id: agentsh --plain --resume ID", "dim")
        return None
    while True:
        answer = (await terminal.ask("resume which? number or id (Enter: a new session) ") or "").strip()
        if not answer:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(records):
            return records[int(answer) - 1].id
        try:
            return store.get(answer).id
        except AgentshError as error:
            transcript.line(f"error: {error}", "red")


def _text_stdin() -> TextIO:
    """stdin as UTF-8 text that never fails to decode (bad bytes become �)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:
        return sys.stdin
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="replace")
