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
    # the modes (summaries wrapped under them), then the three shipped workflows
    assert len([line for line in lines if not line.startswith("   ")]) == len(mode_names()) + 3
    assert any(line.startswith("  workflow:trip-booking — book a flight, a hotel and a car") for line in lines)


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


async def test_fork_counts_the_messages_the_user_sees_not_the_hidden_tool_messages(home):
    session = open_session(home)
    await send(session, "use the calculator on 17 + 25")  # user, call, result, answer: two messages seen
    await send(session, "thanks")
    listed = run_slash_command(session, "/fork list").text.splitlines()
    assert [line.split()[:2] for line in listed] == [["1", "you"], ["2", "answer"], ["3", "you"], ["4", "answer"]]
    forked = run_slash_command(session, "/fork 3")
    kept = session.store.messages(forked.argument)
    assert [m.role for m in kept][-1] == "user" and kept[-1].content == "thanks"
    assert [m.content for m in kept if m.role == "user"] == ["use the calculator on 17 + 25", "thanks"]
    too_far = run_slash_command(session, "/fork 9")
    assert too_far.error and "from 0 to 4" in too_far.text


async def test_status_keeps_the_session_total_of_tokens_and_the_cost(home):
    session = open_session(home)
    await send(session, "hello")
    record = session.record
    text = run_slash_command(session, "/status").text
    assert f"{record.prompt_tokens + record.completion_tokens:,} in all" in text and "$0.0000" in text and session.id in text


def test_the_mode_list_wraps_each_summary_under_itself_within_80_columns(home):
    lines = run_slash_command(open_session(home), "/mode").text.splitlines()
    assert all(len(line) <= 74 for line in lines)
    names = [line.split()[-1] if line.startswith("*") else line.split()[0] for line in lines if not line.startswith("    ")]
    assert "failure" not in names and "tools" in " ".join(lines)
    assert all(line.startswith(" " * 14) for line in lines if line[:14].strip() == "")
