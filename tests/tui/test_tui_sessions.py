"""Pilot tests of sessions: the sessions screen with search, resume, long sessions, open errors."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from textual.widgets import Static

from agentsh.config import Settings
from agentsh.errors import StoreError
from agentsh.messages import Message
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session
from agentsh.tui.app import AgentshApp
from agentsh.tui.screens.sessions import SessionsScreen
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.messages import UserMessage
from agentsh.tui.widgets.transcript import PAGE

from helpers import SWITCHING, scripted_session, stored_planner_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for


def stored_session(home, pairs: int, word: str = "kumquat") -> Session:
    """A persisted session holding `pairs` question/answer pairs."""
    session = Session.open(Settings(home=home, model="offline"))
    session.store.insert(session.record.model_copy(update={"title": f"about {word}"}))
    messages = []
    for i in range(pairs):
        messages += [Message(role="user", content=f"question {i} about {word}"), Message(role="assistant", content=f"answer {i}")]
    session.store.add_messages(session.id, messages)
    return session


async def test_the_sessions_screen_searches_every_message_and_resumes_the_choice(home):
    past = stored_session(home, 3, word="kumquat")
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "something else entirely")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the sessions screen")
        assert "about kumquat" in screen_text(app) and past.id in screen_text(app)
        await pilot.press(*"kumquat")
        await wait_for(pilot, lambda: "3 matching messages" in screen_text(app), what="the search hits")
        assert "question 0 about kumquat" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.id == past.id, what="the resumed session")
        await pilot.pause()
        assert [m.source for m in of_type(app, UserMessage)] == [f"question {i} about kumquat" for i in range(3)]
        assert "about kumquat" in screen_text(app).splitlines()[0]


async def test_resume_without_an_id_opens_the_sessions_screen_first(home):
    past = stored_session(home, 1)
    app = make_app(scripted_session(home, ScriptedModel("hi")), pick_session=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the sessions screen")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.session.id == past.id, what="the resumed session")


async def test_new_starts_an_empty_session_with_the_same_mode(home):
    session = scripted_session(home, ScriptedModel("hi"), mode="chat")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        await send(pilot, "/new")
        await wait_for(pilot, lambda: app.session.id != session.id, what="a new session")
        await pilot.pause()
        assert app.session.mode == "chat"
        assert not of_type(app, UserMessage)


async def test_new_fork_and_resume_keep_the_mode_and_model_as_the_repl_does(home):
    past = stored_planner_session(home)
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    seen = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        for command, _, _ in SWITCHING:
            before = app.session.id
            await send(pilot, command.format(past=past.id))
            if command.startswith(("/new", "/fork", "/resume")):
                await wait_for(pilot, lambda before=before: app.session.id != before, what=f"the session after {command}")
                await ready(pilot)
            if command == "/fork":
                assert [m.content for m in app.session.history() if m.role == "user"] == ["hello"]
            seen.append((command, app.session.mode, app.session.model_name))
    assert seen == SWITCHING


async def test_a_10000_message_session_opens_on_its_newest_page_and_older_ones_load_on_scrolling_up(home):
    past = stored_session(home, 5000)
    app = make_app(Session.open(Settings(home=home), resume=past.id))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        answers = of_type(app, AssistantMessage)
        assert answers[-1].source == "answer 4999"
        assert len(of_type(app, UserMessage)) + len(answers) <= 2 * PAGE
        assert "answer 4999" in screen_text(app)
        shown = len(app.transcript.children)
        app.transcript.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(app.transcript.children) > shown, what="an older page")
        assert "↑" in str(app.transcript.query_one(".older-marker", Static).render())


async def test_an_error_while_opening_closes_the_app_and_is_reported(home):
    def opener():
        raise StoreError("no session with id 'zzz'")

    app = AgentshApp(opener)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert isinstance(app.error, StoreError) and app.return_code == app.error.exit_code


def test_the_command_line_options_choose_the_session(home):
    import argparse

    from agentsh.tui import _open_session

    past = stored_session(home, 1)
    def args(**given):
        values = dict(model=None, mode=None, plugins=[], home=str(home), max_steps=None, yes=False, continue_latest=False, resume=None)
        return argparse.Namespace(**{**values, **given})

    assert _open_session(args(resume=past.id[:6])).id == past.id
    assert _open_session(args(continue_latest=True)).id == past.id
    assert _open_session(args(resume="")).id != past.id  # "pick one": a new session, with the sessions screen over it


async def test_tab_completes_session_ids_for_resume(home):
    past = stored_session(home, 1)
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text(f"/resume {past.id[:4]}")
        await pilot.press("tab")
        assert app.prompt.text == f"/resume {past.id}"


@pytest.fixture
def yonder():
    """A folder with a short path, so the sessions screen shows its name uncut (tmp_path can be long)."""
    folder = Path(tempfile.mkdtemp(prefix="yonder-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def test_the_sessions_screen_shows_each_folder_and_ctrl_t_keeps_only_this_ones(home, tmp_path, monkeypatch, yonder):
    elsewhere = yonder
    monkeypatch.chdir(elsewhere)
    there = stored_session(home, 1, word="quince")
    monkeypatch.chdir(tmp_path)
    here = stored_session(home, 1, word="kumquat")
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the sessions screen")
        # the welcome lists recent sessions too: wait for the sessions screen's own folder column
        await wait_for(pilot, lambda: there.id in screen_text(app) and "yonder" in screen_text(app), what="the sessions listed")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "started in this folder" in screen_text(app), what="the folder filter")
        assert here.id in screen_text(app) and there.id not in screen_text(app)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: there.id in screen_text(app), what="every folder again")
