"""Case 43: keys typed through a slow turn never answer the approval that opens mid-word.

A user sends a message and keeps typing the next one. The approval modal opens in the
middle of the sentence: no letter of it may answer the question (an `a` used to mean
*Always allow*), the letters go back into the input, and Enter means Deny.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from agentsh.models.scripted import ScriptedModel, calls
from agentsh.tools.tool import tool
from agentsh.tui.screens import armed
from agentsh.tui.screens.approval import ApprovalScreen

from helpers import scripted_session
from tui_support import SIZE, make_app, ready, wait_for

RAN: list[str] = []


@tool(requires_approval=True)
def run_shell(command: str) -> str:
    """Run a shell command.

    Args:
        command: the command
    """
    RAN.append(command)
    return "ran"


def slow_session(home):
    RAN.clear()
    model = ScriptedModel(calls(("run_shell", {"command": "echo hazard"}), delay=0.3), "ok", "ok")
    return scripted_session(home, model, run_shell)


async def type_through(pilot, app, sentence: str) -> list[str]:
    """Type `sentence` a key at a time; return what the screen was when each key went in."""
    seen = []
    for char in sentence:
        await pilot.press("space" if char == " " else char)
        seen.append(type(app.screen).__name__)
        await pilot.pause(0.04)
    return seen


async def test_case43_a_sentence_typed_through_the_modal_answers_nothing_and_is_kept(home, monkeypatch):
    # A loaded test machine can pause ~1 s between simulated keys; a person typing does not.
    monkeypatch.setattr(armed, "ARMING_DELAY", 2.5)
    app = make_app(slow_session(home))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("use run_shell")
        await pilot.press("enter")
        sentence = "and also tell me about apples and yaks"
        screens = await type_through(pilot, app, sentence)
        assert "ApprovalScreen" in screens, "the modal opened while typing"
        await pilot.pause(0.2)
        assert isinstance(app.screen, ApprovalScreen), "a typed letter answered the approval"
        assert RAN == []
        assert app.prompt.text == sentence, "every key typed went to the input, none was lost"
        await wait_for(pilot, lambda: app.screen.armed, what="the modal to take answers")
        await pilot.press("a")  # no letter means Always: it is typing, and goes to the input
        await pilot.pause(0.1)
        assert isinstance(app.screen, ApprovalScreen) and app.prompt.text == sentence + "a"
        await wait_for(pilot, lambda: app.screen.armed, what="the modal to take answers again")
        await pilot.press("enter")  # the default answer is Deny
        await wait_for(pilot, lambda: not app.runner.busy, what="the turn to end")
        assert RAN == []


async def test_case43_keys_buffered_before_the_question_do_not_answer_it(home):
    app = make_app(slow_session(home))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("use run_shell")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), what="the modal")
        await pilot.press("y", "enter", "y")  # arrive together with the question
        await pilot.pause(0.1)
        assert isinstance(app.screen, ApprovalScreen) and RAN == []
        await wait_for(pilot, lambda: app.screen.armed, what="the modal to take answers")
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.runner.busy, what="the turn to end")
        assert RAN == ["echo hazard"]


async def test_case43_always_takes_moving_to_its_button(home):
    app = make_app(slow_session(home))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("use run_shell")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen) and app.screen.armed, what="the modal")
        assert app.screen.focused.id == "deny"
        await pilot.press("down", "down")
        assert app.screen.focused.id == "always"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.runner.busy, what="the turn to end")
        assert RAN == ["echo hazard"]
        assert app.session.approvals.verdict("run_shell", "*") == "allow"
