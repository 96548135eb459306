"""Tools see their own session's workspace and protected paths, from the turn's context."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.tools.context import ToolContext, is_protected, protected_paths, using, workspace_root
from agentsh.tools.tool import tool

from helpers import send


@tool
def where() -> str:
    """The workspace this call sees (a sync tool: it runs in a thread of its own)."""
    return f"{workspace_root()}|{','.join(map(str, protected_paths()))}"


def test_outside_a_turn_the_workspace_is_the_current_folder_and_nothing_is_protected(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert workspace_root() == tmp_path.resolve()
    assert protected_paths() == [] and not is_protected(tmp_path / "x")


def test_using_sets_the_context_and_restores_the_one_before(tmp_path):
    outer, inner = ToolContext.create(tmp_path / "a", [tmp_path / "a" / "data"]), ToolContext.create(tmp_path / "b")
    with using(outer):
        with using(inner):
            assert workspace_root() == inner.workspace and protected_paths() == []
        assert workspace_root() == outer.workspace
        assert is_protected(tmp_path / "a" / "data" / "file") and not is_protected(tmp_path / "a" / "other")
    assert workspace_root() == Path.cwd().resolve()


async def test_a_sync_tool_in_its_thread_sees_the_context_of_its_task(tmp_path):
    async def call_in(folder: Path) -> str:
        with using(ToolContext.create(folder, [folder / "data"])):
            await asyncio.sleep(0)
            return await where.run({})

    first, second = await asyncio.gather(call_in(tmp_path / "one"), call_in(tmp_path / "two"))
    assert first == f"{(tmp_path / 'one').resolve()}|{(tmp_path / 'one' / 'data').resolve()}"
    assert second == f"{(tmp_path / 'two').resolve()}|{(tmp_path / 'two' / 'data').resolve()}"


async def test_a_turn_runs_in_its_session_context_and_leaves_none_behind(home, tmp_path, monkeypatch):
    workspace = tmp_path / "project"
    workspace.mkdir()
    monkeypatch.chdir(workspace)
    session = Session.open(Settings(model="offline", home=home, approval="auto"))
    session.registry.add(where)
    monkeypatch.chdir(tmp_path)  # the session keeps the folder it was opened in
    events = await send(session, "call where")
    result = next(e for e in events if e.type == "tool_result")
    root, protected = result.output.split("|")
    assert Path(root) == workspace.resolve()
    assert str(home.resolve()) in protected.split(",")
    assert workspace_root() == tmp_path.resolve()
