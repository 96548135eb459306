"""Pilot tests of going back in the TUI: ↑ edits the last message, /retry, /rewind, and copying the answer."""

from __future__ import annotations

from agentsh.models.scripted import ScriptedModel
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.messages import UserMessage

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, send, wait_for


def shown(app) -> list[tuple[str, str]]:
    return [("user", w.source) if isinstance(w, UserMessage) else ("assistant", w.source)
            for w in app.transcript.query("UserMessage, AssistantMessage")]


async def test_up_on_an_empty_input_edits_the_last_message_and_enter_replaces_that_turn(home):
    session = scripted_session(home, ScriptedModel("Paris.", "Five.", "Four."))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "capital of France?")
        await send(pilot, "what is 2+2")

        await pilot.press("up")
        assert app.prompt.text == "what is 2+2" and app.prompt.editing
        assert "enter replaces that turn" in str(app.prompt.border_subtitle)
        await pilot.press("end", "space", "e", "x", "a", "c", "t", "l", "y")
        await pilot.press("enter")
        await wait_for(pilot, lambda: shown(app)[-1:] == [("assistant", "Four.")] and not app.runner.busy, what="the new answer")

        assert shown(app) == [("user", "capital of France?"), ("assistant", "Paris."), ("user", "what is 2+2 exactly"), ("assistant", "Four.")]
        assert [m.content for m in session.history()][-2:] == ["what is 2+2 exactly", "Four."]
        assert any(r.title and r.title.endswith("(replaced turn)") for r in session.recent_sessions(5))


async def test_escape_gives_up_the_edit_and_up_then_sends_a_new_turn_as_before(home):
    session = scripted_session(home, ScriptedModel("one", "two"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "first")
        await pilot.press("up")
        assert app.prompt.editing
        await pilot.press("escape")
        assert app.prompt.text == "" and not app.prompt.editing
        await send(pilot, "second")
        assert [m.content for m in session.history()] == ["first", "one", "second", "two"]


async def test_retry_shows_the_new_answer_in_place_of_the_old(home):
    session = scripted_session(home, ScriptedModel("a bad joke", "a better joke"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "tell me a joke")
        await send(pilot, "/retry")
        await wait_for(pilot, lambda: shown(app)[-1:] == [("assistant", "a better joke")] and not app.runner.busy, what="the retried answer")
        assert [w.source for w in of_type(app, AssistantMessage)] == ["a better joke"]


async def test_ctrl_o_copies_the_last_answer_through_the_terminal_clipboard(home):
    session = scripted_session(home, ScriptedModel("copy me, please"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "say something")
        assert app.prompt.has_focus
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app.clipboard == "copy me, please", what="the answer on the clipboard")


async def test_copy_of_a_text_too_large_for_the_terminal_says_so(home, monkeypatch):
    monkeypatch.setattr("agentsh.terminal.CLIPBOARD_LIMIT", 100)
    session = scripted_session(home, ScriptedModel("x" * 101))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "a lot please")
        await send(pilot, "/copy")
        assert app.clipboard == ""
        assert any("not copied" in str(n.message) and "/export" in str(n.message) for n in app._notifications)
