"""Slash commands shared by the TUI and the REPL."""

from __future__ import annotations

from agentsh.commands import completions, run_slash_command
from agentsh.config import Settings
from agentsh.modes import mode_names
from agentsh.session import Session

from helpers import send


def open_session(home, **settings) -> Session:
    return Session.open(Settings(home=home, model="offline", **settings))


async def test_mode_switch_is_stored_and_restored_on_resume(home):
    session = open_session(home)
    await send(session, "hello")
    result = run_slash_command(session, "/mode planner")
    assert not result.error and "planner" in result.text
    resumed = Session.open(Settings(home=home), latest=True)
    assert resumed.mode == "planner"
    events = await send(resumed, "hi again")
    assert events[0].mode == "planner"


def test_mode_switch_before_the_first_turn_applies_to_it(home):
    session = open_session(home)
    run_slash_command(session, "/mode chat")
    assert session.mode == "chat"
    assert not session.persisted


def test_unknown_mode_is_a_clear_error_that_changes_nothing(home):
    session = open_session(home)
    result = run_slash_command(session, "/mode telepathy")
    assert result.error and "choose one of" in result.text and "planner" in result.text
    assert session.mode == "tools"


def test_listing_modes_marks_the_current_one(home):
    session = open_session(home, mode="react")
    lines = run_slash_command(session, "/mode").text.splitlines()
    assert any(line.startswith("* react") for line in lines)
    assert len(lines) == len(mode_names()) + 3  # the modes, then the workflow files (the three shipped examples)
    assert "  workflow:trip-booking — book a flight, a hotel and a car; cancel what was booked if any step fails" in lines


def test_unknown_command_and_help(home):
    session = open_session(home)
    assert run_slash_command(session, "/frobnicate").error
    assert "/mode" in run_slash_command(session, "/help").text


async def test_title_fork_and_resume_commands(home):
    session = open_session(home)
    await send(session, "first question")
    assert run_slash_command(session, "/title Better title").text == "title: Better title"
    assert session.store.get(session.id).title == "Better title"
    forked = run_slash_command(session, "/fork")
    assert forked.action == "resume" and forked.argument != session.id
    assert run_slash_command(session, f"/resume {session.id[:6]}").argument == session.id


def test_completion_of_commands_and_mode_names(home):
    session = open_session(home)
    assert "/mode" in completions(session, "/mo")
    assert completions(session, "/mode pl") == ["planner"]
