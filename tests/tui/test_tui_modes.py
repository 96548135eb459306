"""Pilot tests of modes and commands: /mode, the palette, the planner's live checklist, completion."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.messages import CommandOutput
from agentsh.tui.widgets.steps import PlanChecklist
from agentsh.tui.widgets.tool_block import ToolBlock

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for


async def test_slash_mode_switches_the_mode_and_the_status_bar_says_so(home):
    session = scripted_session(home, ScriptedModel("hi"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("/mode planner")
        await pilot.press("enter")
        await pilot.pause()
        assert session.mode == "planner"
        assert "planner ·" in screen_text(app).splitlines()[0]
        [output] = of_type(app, CommandOutput)
        assert "mode: planner" in str(output.render())


async def test_the_command_palette_switches_the_mode(home):
    session = scripted_session(home, ScriptedModel("hi"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Mode: debate")
        await wait_for(pilot, lambda: "Mode: debate" in screen_text(app), what="the palette's hit")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: session.mode == "debate", what="the mode to switch")
        assert "debate ·" in screen_text(app).splitlines()[0]


async def test_planner_mode_shows_the_plan_as_a_checklist_with_the_tool_it_ran(home):
    session = Session.open(Settings(home=home, model="offline"))
    app = make_app(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "/mode planner")
        await send(pilot, "use the calculator to add 17 and 25")
        [plan] = of_type(app, PlanChecklist)
        assert [row.status for row in plan.tasks.values()] == ["done"]
        assert "plan 1/1" in screen_text(app)
        assert any(block.output == "42" for block in of_type(app, ToolBlock))
        assert of_type(app, AssistantMessage)


async def test_tab_completes_commands_and_their_arguments(home):
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("/mo")
        await pilot.press("tab")
        assert app.prompt.text == "/mode"
        assert "/mode  /model" in screen_text(app)
        app.prompt.set_text("/mode pla")
        await pilot.press("tab")
        assert app.prompt.text == "/mode planner"
        app.prompt.set_text("/model open")
        await pilot.press("tab")
        assert app.prompt.text == "/model openai/gpt-4o-mini"


async def test_ctrl_j_adds_a_line_enter_sends_and_up_recalls(home):
    session = scripted_session(home, ScriptedModel(default="ok"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"one", "ctrl+j", *"two")
        assert app.prompt.text == "one\ntwo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.runner.busy)
        assert session.store.messages(session.id)[0].content == "one\ntwo"
        assert app.prompt.text == ""
        await pilot.press("up")
        assert app.prompt.text == "one\ntwo"
        await pilot.press("down", "down")
        assert app.prompt.text == ""


async def test_a_large_paste_lands_in_the_input_whole(home):
    from textual import events

    app = make_app(scripted_session(home, ScriptedModel("ok")))
    big = "\n".join(f"line {i}: " + "x" * 80 for i in range(3000))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.post_message(events.Paste(big))  # as the driver does: the app forwards it to the focused input
        await wait_for(pilot, lambda: app.prompt.message == big, what="the pasted text")
        assert app.prompt.attachments == [big]  # 270 KB: an attachment, not text in the input


def test_the_palette_offers_every_command_and_each_mode_and_model(home):
    from agentsh.tui.palette import entries

    session = scripted_session(home, ScriptedModel("hi"))
    titles = {entry.title: entry.command for entry in entries(session)}
    assert titles["Mode: planner"] == "/mode planner" and "Mode: tools" not in titles  # the current mode is not offered
    assert titles["Model: offline"] == "/model offline"
    assert titles["Sessions: resume…"] is None
    for title, command in [("New session", "/new"), ("Fork this session", "/fork"), ("Tools: what the model can call", "/tools")]:
        assert titles[title] == command
    assert {"/export", "/memory"} <= set(titles.values())


async def test_compact_shows_what_was_summarised(home):
    from agentsh.tui.widgets.extras import CompactionBlock

    session = Session.open(Settings(home=home, model="offline"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for text in ("first question about kiwis", "second question about kiwis", "third question"):
            await send(pilot, text)
        await send(pilot, "/compact")
        await wait_for(pilot, lambda: of_type(app, CompactionBlock), what="the compaction block")
        [block] = of_type(app, CompactionBlock)
        assert block.event.messages >= 2
        assert "compacted" in screen_text(app)


async def test_background_memory_work_is_reported_in_the_transcript(home):
    from agentsh.events import Notice

    session = scripted_session(home, ScriptedModel("hi"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        session.memory.on_event(Notice(message="learned 2 facts from session abc (agentsh memory list)"))
        await wait_for(pilot, lambda: "learned 2 facts" in screen_text(app), what="the background notice")


async def test_recalled_memories_are_shown_with_the_turn(home):
    from agentsh.tui.widgets.extras import MemoryBlock

    app = make_app(scripted_session(home, ScriptedModel(default="noted")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "/memory add the cat of the user is called Miso")
        await send(pilot, "what is my cat called?")
        [block] = of_type(app, MemoryBlock)
        assert "Miso" in block.event.memories[0].text
        assert "recalled 1 memory" in screen_text(app)
