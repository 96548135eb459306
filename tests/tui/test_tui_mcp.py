"""MCP in the TUI: the servers start after the first paint, a server's progress shows in the tool's block,
its annotations show in the approval question as unverified hints (literally: never read as markup), /mcp lists them."""

from __future__ import annotations

import sys
from pathlib import Path

from agentsh.models.scripted import ScriptedModel, calls
from agentsh.tui.screens.approval import ApprovalScreen
from agentsh.tui.widgets.tool_block import ToolBlock

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, wait_for

FAULT_SERVER = Path(__file__).parents[1] / "mcp" / "fault_server.py"


def faults(tmp_path, **extra) -> dict:
    return {"faults": {"command": sys.executable, "args": [str(FAULT_SERVER), "stdio"], "env": {"FAULT_LOG": str(tmp_path / "log")}, **extra}}


async def test_servers_start_after_the_first_paint_and_slash_mcp_lists_them(home, tmp_path):
    session = scripted_session(home, ScriptedModel(), mcp_servers=faults(tmp_path))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: session.mcp_servers()[0].state == "ready", timeout=30, what="the server ready")
        app.prompt.set_text("/mcp")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "faults: ready with 9 tools" in screen_text(app), what="/mcp's listing")


async def test_progress_shows_in_the_tool_block(home, tmp_path):
    model = ScriptedModel(calls(("faults__steps", {"count": 3})), "counted")
    session = scripted_session(home, model, mcp_servers=faults(tmp_path, allow=["steps"]))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("count")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, ToolBlock) and of_type(app, ToolBlock)[0].progress, timeout=30, what="progress")
        await wait_for(pilot, lambda: not app.runner.busy, timeout=30, what="the end of the turn")
        [block] = of_type(app, ToolBlock)
        assert block.progress == "3/3 · step 3 of 3" and block.ok and block.output == "3 steps"


async def test_the_approval_question_shows_the_servers_hints_as_unverified(home, tmp_path):
    model = ScriptedModel(calls(("faults__echo", {"text": "[b]hi[/b]"})), "done")
    session = scripted_session(home, model, mcp_servers=faults(tmp_path))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("echo")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen), timeout=30, what="the approval question")
        await pilot.pause()
        screen = screen_text(app)
        assert "the tool's server says (unverified hints): read-only, idempotent" in screen
        assert "[b]hi[/b]" in screen


async def test_a_tools_image_is_a_line_in_its_block_never_its_data(home, tmp_path):
    model = ScriptedModel(calls(("faults__picture", {})), "a picture")
    session = scripted_session(home, model, mcp_servers=faults(tmp_path, allow=["*"]))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("show it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.runner.busy and of_type(app, ToolBlock), timeout=30, what="the end of the turn")
        [block] = of_type(app, ToolBlock)
        assert block.output == "a png picture\n[image: image/png, 108 bytes]"
        await pilot.press("ctrl+t")  # the tool output shown
        await wait_for(pilot, lambda: "[image: image/png, 108 bytes]" in screen_text(app), what="the image's line")
        assert "iVBORw0KGgo" not in screen_text(app)
