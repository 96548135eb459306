"""`agentsh run` on a terminal: the wait for a model's first byte is a status line on stderr that
the answer replaces; off a terminal it prints nothing (scripts read `--json` for it)."""

from __future__ import annotations

import io

from agentsh.cli.run import CLEAR_LINE, TextPrinter
from agentsh.events import TextDelta, TurnDone, Waiting
from agentsh.terminal import TerminalGuard


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_wait_is_rewritten_in_place_then_cleared_by_the_answer():
    out, err = Terminal(), Terminal()
    printer = TextPrinter(out, err)

    for seconds in (1, 2, 3):
        printer.show(Waiting(seconds=seconds, model="openai/m"))
    printer.show(TextDelta(delta="Paris."))
    printer.show(TurnDone(session_id="s", output="Paris."))

    assert err.getvalue() == (
        f"agentsh: waiting for the model: 1 s{CLEAR_LINE}agentsh: waiting for the model: 2 s"
        f"{CLEAR_LINE}agentsh: waiting for the model: 3 s{CLEAR_LINE}"
    )
    assert out.getvalue() == "Paris.\n"


def test_off_a_terminal_the_wait_prints_nothing():
    out, err = io.StringIO(), io.StringIO()
    printer = TextPrinter(out, err)

    printer.show(Waiting(seconds=1, model="openai/m"))
    printer.show(TurnDone(session_id="s", output="Paris."))

    assert err.getvalue() == "" and out.getvalue() == "Paris.\n"


def test_the_guard_on_a_terminal_neutralises_the_model_text_but_not_agentsh_s_own_line_clearing():
    """`agentsh run` guards its terminal streams (a model's escape sequences are shown, never run): the
    status line's own clearing must still reach the terminal, or every wait is a row of ␍␛[K."""
    out, err = Terminal(), Terminal()
    printer = TextPrinter(TerminalGuard(out), TerminalGuard(err))

    printer.show(Waiting(seconds=1, model="openai/m"))
    printer.show(TextDelta(delta="\x1b[31mred"))
    printer.show(TurnDone(session_id="s", output="\x1b[31mred"))

    assert err.getvalue() == f"agentsh: waiting for the model: 1 s{CLEAR_LINE}"
    assert "\x1b" not in out.getvalue() and "red" in out.getvalue()
