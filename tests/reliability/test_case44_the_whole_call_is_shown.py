"""Case 44: every UI shows the whole call it asks about; what makes a command compound stands out.

`echo "... a long harmless sentence ..." && touch HIDDEN` was approved with `&& touch HIDDEN`
cut off (80 characters in the plain REPL, 200 headless). Now nothing is cut, and the
operators are marked in the REPL, headless (» «) and the app.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from agentsh.cli.run import TextPrinter
from agentsh.events import ApprovalRequest
from agentsh.repl.render import TranscriptPrinter
from agentsh.tools.call_text import call_segments, plain_text
from agentsh.tui.screens.approval import ApprovalScreen

from tui_support import make_app

SENTENCE = "this is a long and entirely harmless sentence about the weather in Lisbon " * 5
COMMAND = f'echo "{SENTENCE}" && touch HIDDEN'


def request(**extra) -> ApprovalRequest:
    return ApprovalRequest(id="c1", name="run_shell", arguments={"command": COMMAND}, always_covers=None, **extra)


def test_case44_the_question_text_is_the_whole_command_with_its_operator_marked():
    segments = call_segments({"command": COMMAND})
    assert plain_text(segments) == f"command: {COMMAND}"
    assert ("&&", "operator") in segments
    assert ("&&", "operator") not in call_segments({"text": COMMAND}), "only shell commands are parsed for operators"


def test_case44_the_plain_repl_prints_the_whole_command():
    out = io.StringIO()
    TranscriptPrinter(out).show(request())
    shown = out.getvalue()
    assert COMMAND in shown and "touch HIDDEN" in shown
    assert "compound command" in shown


def test_case44_the_headless_question_prints_the_whole_command(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    decision = TextPrinter(out, err).ask(request())
    assert decision.value == "deny", "Enter means no"
    assert f'echo "{SENTENCE}" »&&« touch HIDDEN' in err.getvalue()


def test_case44_the_headless_always_is_a_word_not_a_letter(monkeypatch):
    scoped = ApprovalRequest(id="c2", name="run_shell", arguments={"command": "ls"}, always_covers="ls")
    for typed, expected in (("a\n", "deny"), ("always\n", "always"), ("y\n", "once")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
        assert TextPrinter(io.StringIO(), io.StringIO()).ask(scoped).value == expected, typed


async def test_case44_the_app_shows_the_whole_command(home):
    from agentsh.models.scripted import ScriptedModel

    from helpers import scripted_session

    app = make_app(scripted_session(home, ScriptedModel("ok")))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ApprovalScreen(request())
        app.push_screen(screen)
        await pilot.pause(0.1)
        shown = str(screen.query_one("#approval-arguments").render())
        assert "touch HIDDEN" in shown and SENTENCE.strip() in " ".join(shown.split())
