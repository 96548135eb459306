"""The client against real servers from PyPI (mcp-server-time, mcp-server-git) over stdio, and the
reference server-everything when Node.js already has it installed (never downloaded by the tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentsh.events import ApprovalRequest, ToolResult
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.tools.approval import Decision

from helpers import of, scripted_session, send

BIN = Path(sys.executable).parent


async def opened(home, model, servers):
    session = scripted_session(home, model, mcp_servers=servers)
    session.mcp.start()
    await session.mcp.wait_for_starting(lambda text: None)
    return session


async def test_the_time_in_tokyo_after_the_user_approves(home):
    model = ScriptedModel()
    model.add(calls(("time__get_current_time", {"timezone": "Asia/Tokyo"})))
    model.add("It is evening in Tokyo.")
    session = await opened(home, model, {"time": {"command": str(BIN / "mcp-server-time"), "args": ["--local-timezone", "UTC"]}})
    try:
        events = await send(session, "what time is it in Tokyo?", Decision.ONCE)
    finally:
        await session.aclose()
    [asked] = of(events, ApprovalRequest)
    assert asked.name == "time__get_current_time" and asked.arguments == {"timezone": "Asia/Tokyo"}
    assert "read-only" in asked.hints, "the server's annotations are shown as hints"
    [result] = of(events, ToolResult)
    assert result.ok and '"timezone": "Asia/Tokyo"' in result.output and "+09:00" in result.output


async def test_a_denied_call_never_reaches_the_server(home):
    model = ScriptedModel()
    model.add(calls(("time__get_current_time", {"timezone": "Asia/Tokyo"})))
    model.add("ok")
    session = await opened(home, model, {"time": {"command": str(BIN / "mcp-server-time")}})
    try:
        events = await send(session, "time?", Decision.DENY)
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert not result.ok and "denied" in result.output


async def test_an_allow_rule_in_the_config_runs_the_tool_without_asking(home):
    model = ScriptedModel()
    model.add(calls(("time__get_current_time", {"timezone": "Europe/Paris"})))
    model.add("ok")
    session = await opened(home, model, {"time": {"command": str(BIN / "mcp-server-time"), "allow": ["get_current_time"]}})
    try:
        events = await send(session, "time?")
        names = {t.name: t.requires_approval for t in session.tools() if t.name.startswith("time__")}
    finally:
        await session.aclose()
    assert of(events, ApprovalRequest) == []
    assert of(events, ToolResult)[0].ok
    assert names == {"time__get_current_time": False, "time__convert_time": True}


async def test_git_status_of_a_repository(home, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "new.txt").write_text("hello")
    model = ScriptedModel()
    model.add(calls(("git__git_status", {"repo_path": str(repo)})))
    model.add("one new file")
    session = await opened(home, model, {"git": {"command": str(BIN / "mcp-server-git"), "allow": ["*"]}})
    try:
        tools = [t.name for t in session.tools() if t.name.startswith("git__")]
        events = await send(session, "status?")
    finally:
        await session.aclose()
    assert {"git__git_status", "git__git_diff", "git__git_log"} <= set(tools)
    [result] = of(events, ToolResult)
    assert result.ok and "new.txt" in result.output


def _everything() -> Path | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=30).stdout.strip()
    script = Path(root) / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    return script if script.is_file() else None


async def test_the_reference_server_everything(home):
    script = _everything()
    if script is None:
        pytest.skip("needs Node.js with @modelcontextprotocol/server-everything installed globally (tests never download it)")
    model = ScriptedModel()
    model.add(calls(("everything__echo", {"message": "hello"})))
    model.add("ok")
    session = await opened(home, model, {"everything": {"command": "node", "args": [str(script), "stdio"], "allow": ["*"]}})
    try:
        events = await send(session, "echo")
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert result.ok and "hello" in result.output
