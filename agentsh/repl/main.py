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
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TextIO

from ..config import DEFAULT_MODE, Settings, data_home, settings_from_args
from ..signals import say_stopped, stoppable

if TYPE_CHECKING:  # the core is imported by the thread that opens the session, once the prompt is up
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from ..session import Session
    from ..store.sessions import SessionStore
    from .render import TranscriptPrinter
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
        from .lines import LineTerminal
        from .render import TranscriptPrinter, wants_color

        tty = sys.stdout.isatty()
        transcript = TranscriptPrinter(sys.stdout, color=wants_color(sys.stdout), live=tty, markdown=tty and not args.raw)
        terminal = LineTerminal(_text_stdin(), prompt=sys.stderr if sys.stdin.isatty() else None)
        status = asyncio.run(stoppable(_run(settings, args.resume, _continue(args), terminal, transcript)))
    say_stopped(status)
    return status


async def interactive(
    settings: Settings, resume: str | None, latest: bool | str, markdown: bool = True,
    keyboard: Input | None = None, screen: Output | None = None, out: TextIO | None = None,
) -> int:
    """The prompt first, ready for typing; the session opens in a thread meanwhile (the core's imports,
    the store, plugins), and a line sent before it is open waits for it. `--resume` with no id asks first."""
    from .prompt import HISTORY_FILE, PromptTerminal

    shell: Repl | None = None
    mode = first_mode(settings, resume, latest)
    terminal = PromptTerminal(
        data_home(settings) / HISTORY_FILE, session=lambda: shell.session if shell is not None else None,
        status=lambda: shell.status() if shell is not None else f" {mode} · opening the session… ",
        keyboard=keyboard, screen=screen, mode=mode,
    )
    if resume == "":  # the list of sessions and the question come first
        transcript = new_transcript(out, markdown)
        shell = new_shell(await open_session(settings, resume, latest, terminal, transcript), terminal, transcript)
        return await run_and_close(shell)
    first = asyncio.ensure_future(terminal.read())
    await terminal.drawn()
    try:
        session, transcript = await asyncio.to_thread(open_in_thread, settings, resume, latest, out, markdown)
    except BaseException:
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        raise
    shell = new_shell(session, terminal, transcript)
    return await run_and_close(shell, first)


def first_mode(settings: Settings, resume: str | None, latest: bool | str) -> str:
    """The mode the prompt shows until the session is open: a resumed session's own is known only then."""
    if settings.mode:
        return settings.mode
    return "…" if resume or latest else DEFAULT_MODE


def open_in_thread(settings: Settings, resume: str | None, latest: bool | str, out: TextIO | None, markdown: bool) -> tuple[Session, TranscriptPrinter]:
    """In the opening thread: the core imported and the session opened, while the prompt takes typing."""
    from ..session import Session
    from .shell import Repl  # noqa: F401  imported here, not on the thread that draws the prompt

    transcript = new_transcript(out, markdown)
    return Session.open(settings, resume=resume or None, latest=bool(latest), anywhere=latest == ANYWHERE), transcript


def new_transcript(out: TextIO | None, markdown: bool) -> TranscriptPrinter:
    from .render import TranscriptPrinter

    return TranscriptPrinter(out or sys.stdout, color=out is None and not os.environ.get("NO_COLOR"), live=True, markdown=markdown)


def new_shell(session: Session, terminal: Terminal, transcript: TranscriptPrinter) -> Repl:
    from .shell import Repl

    return Repl(session, terminal, transcript)


async def _run(settings: Settings, resume: str | None, latest: bool | str, terminal: Terminal, transcript: TranscriptPrinter) -> int:
    session = await open_session(settings, resume, latest, terminal, transcript)
    return await run_and_close(new_shell(session, terminal, transcript))


async def run_and_close(shell: Repl, first: Awaitable[str | None] | None = None) -> int:
    """The shell until it ends; then its store is checkpointed and closed: no `-wal` file left behind."""
    try:
        return await shell.run(first)
    finally:
        shell.session.close_store()  # every session the shell opened shares this store


async def open_session(settings: Settings, resume: str | None, latest: bool | str, terminal: Terminal, transcript: TranscriptPrinter) -> Session:
    """`--resume` with no id: list the recent sessions and let the user pick one (or start anew)."""
    from ..session import Session, open_store

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
    from ..errors import AgentshError

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
