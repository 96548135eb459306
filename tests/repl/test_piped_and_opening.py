"""Piped (non-tty) input, and how the REPL opens its session: --continue, --resume [ID]."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys

from prompt_toolkit.output import DummyOutput

from agentsh.config import Settings
from agentsh.repl.lines import LineTerminal
from agentsh.repl.main import open_session, repl_command
from agentsh.repl.prompt import PromptTerminal
from agentsh.repl.render import TranscriptPrinter
from agentsh.session import Session

from conftest import until
from helpers import send


def agentsh_plain(home, stdin: bytes, *flags: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "agentsh", "--plain", "--home", str(home), *flags]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=60)


def test_piped_lines_run_as_turns_and_commands_and_exit_at_the_end(home):
    script = (
        b"hello \x1b]0;title\x07there\n"
        b"use the calculator to add 17 and 25\n"
        b"/mode chat\n"
        b"\n"
        b"use the run_shell tool to run echo hi\n"
        b"/mode tools\n"
        b"use the run_shell tool to run echo hi\n"
        b"two \\\n"
        b"lines\n"
    ) + b"bad utf8 \xff\n"
    result = agentsh_plain(home, script)

    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr and "\x1b" not in out
    assert "› hello ␛]0;title\\x07there" in out and "You said: hello ␛]0;title\\x07there" in out
    assert '⚙ calculator(expression="17 + 25") → ok' in out and "calculator returned: 42" in out
    assert "mode: chat" in out
    assert out.count("needs your approval") == 1  # chat mode offers no tools; tools mode asks
    assert "denied: nothing can ask on piped input" in out
    assert "You said: two \nlines" in out
    assert "You said: bad utf8 �" in out
    assert "saved · continue it with: agentsh --plain -c (the latest session started here) or agentsh --plain --resume " in out


def test_piped_resume_without_an_id_lists_sessions_and_starts_a_new_one(home):
    agentsh_plain(home, b"an earlier talk\n")
    result = agentsh_plain(home, b"a later talk\n", "--resume")

    out = result.stdout.decode()
    assert result.returncode == 0
    assert "  1. " in out and "an earlier talk" in out
    assert "starting a new session; to resume one, pass its id" in out
    assert out.count("saved · continue it with") == 1


def test_piped_continue_resumes_the_latest_session(home):
    agentsh_plain(home, b"the first words\n")
    out = agentsh_plain(home, b"more words\n", "--continue").stdout.decode()
    assert "you: the first words" in out


def test_repl_command_in_process_reads_a_pipe(home, monkeypatch, capsys):
    class Args:
        model, mode, plugins, home, max_steps, yes = "offline", "chat", [], None, None, False
        continue_latest, resume, plain = False, None, True

    Args.home = str(home)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hi\n/mode\n")))
    assert repl_command(Args()) == 0
    out = capsys.readouterr().out
    assert "mode chat" in out and "You said: hi" in out and "* chat" in out


async def test_resume_without_an_id_on_a_terminal_asks_which(home, pipe):
    settings = Settings(home=home, model="offline")
    older = Session.open(settings)
    await send(older, "older talk")
    newer = Session.open(settings)
    await send(newer, "newer talk")

    out = io.StringIO()
    terminal = PromptTerminal(home / "h", session=lambda: older, status=lambda: "", keyboard=pipe, screen=DummyOutput())
    opening = asyncio.create_task(open_session(settings, "", False, terminal, TranscriptPrinter(out)))
    await until(lambda: terminal.waiting_for == "question")
    pipe.send_text("zz\r")  # neither a number in the list nor an id: asked again
    await until(lambda: "no session with id 'zz'" in out.getvalue())
    await until(lambda: terminal.waiting_for == "question")
    pipe.send_text("2\r")
    session = await asyncio.wait_for(opening, 5)

    assert session.id == older.id
    listing = out.getvalue()
    assert listing.index(newer.id) < listing.index(older.id)


async def test_resume_picker_enter_starts_a_new_session(home):
    settings = Settings(home=home, model="offline")
    await send(Session.open(settings), "something")

    class Nothing(LineTerminal):
        can_ask = True

        async def ask(self, question):
            return ""

    session = await open_session(settings, "", False, Nothing(io.StringIO()), TranscriptPrinter(io.StringIO()))
    assert not session.persisted
