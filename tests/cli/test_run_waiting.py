"""`agentsh run` on a terminal: the wait for a model's first byte is a status line on stderr that
the answer replaces; off a terminal it prints nothing (scripts read `--json` for it)."""

from __future__ import annotations

import io

from agentsh.cli.run import CLEAR_LINE, TextPrinter
from agentsh.events import TextDelta, TurnDone, Waiting


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
