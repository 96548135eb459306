"""A turn, slash commands, a mode switch and session actions through the prompt."""

from __future__ import annotations

import asyncio

from agentsh.commands import COMMANDS, CommandResult
from agentsh.config import Settings
from agentsh.errors import ModelError
from agentsh.events import Compaction, Notice
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session

from conftest import until
from helpers import SWITCHING, scripted_session, stored_planner_session


async def test_a_turn_streams_its_answer_and_is_saved(home, drive):
    model = ScriptedModel(Reply("The answer is forty-two.", chunk=4))
    repl = await drive(scripted_session(home, model))

    printed = await repl.submit("what is the answer?")

    assert "The answer is forty-two.\n" in printed
    assert model.requests[0].messages[-1].content == "what is the answer?"
    history = repl.session.history()
    assert [(m.role, m.content) for m in history] == [("user", "what is the answer?"), ("assistant", "The answer is forty-two.")]
    assert await repl.quit() == 0
    assert f"session {repl.session.id} saved" in repl.text


async def test_a_tool_call_is_one_line_with_its_result(home, drive):
    session = Session.open(Settings(home=home, model="offline"))
    repl = await drive(session)

    printed = await repl.submit("use the calculator to add 17 and 25")

    tool_line = next(line for line in printed.splitlines() if line.startswith("⚙"))
    assert tool_line.startswith('⚙ calculator(expression="17 + 25") → ok ')
    assert tool_line.endswith("ms: 42")
    assert "calculator returned: 42" in printed


async def test_a_failing_tool_is_summarised_as_an_error(home, drive):
    model = ScriptedModel(calls(("calculator", {"expression": "1/0"})), "could not divide")
    repl = await drive(scripted_session(home, model))

    printed = await repl.submit("divide")

    assert '⚙ calculator(expression="1/0") → error ' in printed
    assert "Error:" in printed.split("→ error", 1)[1].splitlines()[0]


async def test_slash_commands_print_their_answers(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel(default="ok")))

    assert "/mode" in await repl.submit("/help") and "/sessions" in repl.text
    assert "unknown command /frobnicate" in await repl.submit("/frobnicate")
    assert "no sessions yet" in await repl.submit("/sessions")
    await repl.submit("hello")
    assert repl.session.id in await repl.submit("/sessions")
    assert "title: Moon plans" in await repl.submit("/title Moon plans")
    assert "Moon plans" in repl.repl.status()
    await repl.at_prompt()
    repl.send("/quit\r")
    assert await asyncio.wait_for(repl.task, 5) == 0


async def test_a_mode_switch_changes_the_prompt_toolbar_and_next_turn(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline")))

    assert "mode: planner" in await repl.submit("/mode planner")

    assert repl.session.mode == "planner"
    assert repl.repl.status().startswith(" planner · offline")
    printed = await repl.submit("use the calculator to add 2 and 3")
    assert "• plan:" in printed and "✓ task" in printed
    assert "calculator(expression=\"2 + 3\") → ok" in printed
    assert "unknown mode 'nonsense'" in await repl.submit("/mode nonsense")
    assert repl.session.mode == "planner"


async def test_new_and_resume_switch_sessions_and_recap_the_resumed_one(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline")))
    await repl.submit("first conversation")
    first = repl.session.id

    await repl.submit("/new")
    assert repl.session.id != first and not repl.session.persisted
    await repl.submit("second conversation")

    printed = await repl.submit(f"/resume {first[:6]}")
    assert repl.session.id == first
    assert "you: first conversation" in printed
    assert "  agentsh: (offline model)" in printed


async def test_new_fork_and_resume_keep_the_mode_and_model_as_the_tui_does(home, drive, monkeypatch):
    import agentsh.models.litellm as litellm_module

    monkeypatch.setattr(litellm_module, "load_litellm", lambda: None)  # /model names a litellm model; it is never called
    past = stored_planner_session(home)
    repl = await drive(scripted_session(home, ScriptedModel("hi")))
    await repl.submit("hello")
    seen = []
    for command, _, _ in SWITCHING:
        before = repl.session.id
        await repl.submit(command.format(past=past.id))
        if command.startswith(("/new", "/fork", "/resume")):
            assert repl.session.id != before
        if command == "/fork":
            assert [m.content for m in repl.session.history() if m.role == "user"] == ["hello"]
        seen.append((command, repl.session.mode, repl.session.model_name))
    assert seen == SWITCHING


async def test_resuming_the_open_session_keeps_it(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline")))
    await repl.submit("hello")
    session = repl.session

    await repl.submit(f"/resume {session.id}")

    assert repl.session is session and repl.repl.opened == [session]


async def test_a_double_slash_sends_a_message_that_starts_with_a_slash(home, drive):
    model = ScriptedModel(default="ok")
    repl = await drive(scripted_session(home, model))

    await repl.submit("//etc/hosts is a file")

    assert model.requests[0].messages[-1].content == "/etc/hosts is a file"


async def test_a_command_action_the_ui_performs_runs_after_the_command(home, drive, monkeypatch):
    """/compact's action: the REPL awaits session.compact() and prints the Compaction it returns."""
    repl = await drive(scripted_session(home, ScriptedModel(default="ok")))
    compacted = Compaction(messages=6, tokens_before=900, tokens_after=200, summary="they talked")
    results = iter([compacted, None])

    async def compact():
        return next(results)

    monkeypatch.setitem(COMMANDS, "compact", (lambda session, args: CommandResult(action="compact"), "compact"))
    monkeypatch.setattr(repl.session, "compact", compact, raising=False)

    assert "compacted 6 earlier messages into a summary: 900 → 200 tokens" in await repl.submit("/compact")
    assert "nothing to compact yet" in await repl.submit("/compact")


async def test_background_memory_work_starts_its_results_show_and_every_session_closes(home, drive, monkeypatch):
    started, closed = [], []
    monkeypatch.setattr(Session, "start_background", lambda self: started.append(self.id))

    async def aclose(self):
        closed.append(self.id)

    monkeypatch.setattr(Session, "aclose", aclose)
    repl = await drive(Session.open(Settings(home=home, model="offline")))
    first = repl.session.id

    repl.session.memory.on_event(Notice(message="learned 2 facts from session abc (agentsh memory list)"))
    await repl.wait_for_text("· learned 2 facts from session abc")
    await repl.submit("/new")
    assert started == [first, repl.session.id]
    assert await repl.quit() == 0
    assert closed == [first, repl.session.id]


async def test_litellm_is_imported_in_the_background_once_a_session_needs_it(home, drive, monkeypatch):
    import agentsh.models.litellm as litellm_module

    loads = []
    monkeypatch.setattr(litellm_module, "load_litellm", lambda: loads.append("loaded"))
    repl = await drive(Session.open(Settings(home=home, model="offline")))
    await asyncio.sleep(0.05)
    assert loads == []

    await repl.submit("/model openai/gpt-4o-mini")
    await until(lambda: loads == ["loaded"], what="the background import")
    await repl.submit("/new")
    await asyncio.sleep(0.05)
    assert loads == ["loaded"]  # once is enough


async def test_a_failed_turn_shows_its_error_and_the_shell_goes_on(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel(ModelError("the provider said no"), "fine now")))

    assert "error: the provider said no" in await repl.submit("first")
    assert "fine now" in await repl.submit("second")


async def test_a_cut_answer_is_badged_continued_and_recapped_as_cut(home, drive):
    model = ScriptedModel(Reply(text="The first half", finish_reason="length"), "and the second half.")
    repl = await drive(scripted_session(home, model))

    printed = await repl.submit("tell me everything")
    assert "The first half" in printed and "! cut: the answer stopped at the model's token cap; /continue goes on" in printed
    printed = await repl.submit("/continue")
    assert "and the second half." in printed and "cut:" not in printed
    assert "nothing to continue" in await repl.submit("/continue")
    first = repl.session.id

    await repl.submit("/new")
    printed = await repl.submit(f"/resume {first}")
    assert "agentsh: The first half (cut at the model's token cap)" in printed
    assert "you: /continue" in printed and "agentsh: and the second half." in printed


async def test_the_toolbar_leaves_out_whole_parts_on_a_narrow_terminal_never_cutting_the_cost(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel(default="ok")))
    repl.session.record.prompt_tokens, repl.session.record.completion_tokens, repl.session.record.cost = 1200, 300, 0.0004
    assert repl.repl.status(200).endswith(f"[{repl.session.id}] · 1,500 tokens · $0.0004 ")
    for width in (80, 50, 30):
        line = repl.repl.status(width)
        assert len(line) <= width and line.startswith(f" {repl.session.mode} · ") and line.endswith(" · $0.0004 "), line
    assert repl.session.id not in repl.repl.status(80)
