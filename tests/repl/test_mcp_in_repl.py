"""MCP in the REPL: the approval question shows a server's annotations as unverified hints, progress is shown
while the call runs, and /mcp lists the servers."""

from __future__ import annotations

import sys
from pathlib import Path

from agentsh.models.scripted import ScriptedModel, calls

from helpers import scripted_session

FAULT_SERVER = Path(__file__).parents[1] / "mcp" / "fault_server.py"


def faults(tmp_path, **extra) -> dict:
    return {"faults": {"command": sys.executable, "args": [str(FAULT_SERVER), "stdio"], "env": {"FAULT_LOG": str(tmp_path / "log")}, **extra}}


async def test_hints_in_the_approval_question_and_progress_while_it_runs(home, tmp_path, drive):
    model = ScriptedModel(calls(("faults__echo", {"text": "hi"})), "echoed", calls(("faults__steps", {"count": 2})), "counted")
    session = scripted_session(home, model, mcp_servers=faults(tmp_path, allow=["steps"]))
    repl = await drive(session)
    await repl.at_prompt()
    before, count = len(repl.text), repl.prompts
    repl.send("echo it\r")
    await repl.asked("approval")
    assert "? faults__echo needs your approval for this call:\n    text: hi\n" in repl.text[before:]
    assert "  the tool's server says (unverified hints): read-only, idempotent\n" in repl.text[before:]
    repl.send("y")
    await repl.at_prompt(count + 1)
    printed = await repl.submit("count")
    assert "faults__steps: 1/2 · step 1 of 2" in printed and "faults__steps: 2/2 · step 2 of 2" in printed
    printed = await repl.submit("/mcp")
    assert "faults: ready with 9 tools\n    stdio: " in printed
    await session.aclose()


async def test_a_tools_image_is_a_line_never_its_data(home, tmp_path, drive):
    model = ScriptedModel(calls(("faults__picture", {"kind": "resource"})), "a picture")
    session = scripted_session(home, model, mcp_servers=faults(tmp_path, allow=["*"]))
    repl = await drive(session)
    await repl.at_prompt()
    printed = await repl.submit("show it")
    assert "→ ok" in printed and ": a resource picture …\n    [image <file:///shot.png>: image/png, 108 bytes]\n" in printed
    assert "iVBORw0KGgo" not in repl.text
    await session.aclose()
