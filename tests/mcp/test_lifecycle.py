"""Servers start in the background, a turn waits only for those still starting, /mcp shows and restarts them,
and no server process outlives agentsh: not after a normal exit, not after SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import mcp_types

from agentsh.commands import run_slash_command
from agentsh.events import Notice, ToolResult
from agentsh.mcp.connection import ServerCallbacks
from agentsh.models.scripted import ScriptedModel, calls

from fakeserver import Reply
from helpers import of, scripted_session, send
from mcp_support import alive, eventually, notes, stdio_table, wait_for


async def test_a_turn_waits_for_a_server_still_starting_and_says_so(home, tmp_path):
    model = ScriptedModel()
    model.add(calls(("faults__echo", {"text": "x"})))
    model.add("ok")
    session = scripted_session(home, model, mcp_servers={"faults": stdio_table(tmp_path / "log", allow=["*"])})
    try:
        assert session.mcp_servers()[0].state == "starting", "nothing starts before the UI is up or a turn begins"
        events = await send(session, "go")
    finally:
        await session.aclose()
    assert "waiting for MCP server to start: faults" in [n.message for n in of(events, Notice)]
    assert of(events, ToolResult)[0].output == "echo: x"


async def test_a_server_that_cannot_start_fails_with_its_reason_and_the_turn_goes_on(home):
    model = ScriptedModel()
    model.add("answered without it")
    session = scripted_session(home, model, mcp_servers={"gone": {"command": "no-such-mcp-server-anywhere"}})
    try:
        events = await send(session, "go")
        shown = run_slash_command(session, "/mcp").text
    finally:
        await session.aclose()
    assert events[-1].output == "answered without it"
    assert "gone: failed: command not found: no-such-mcp-server-anywhere" in shown


async def test_slash_mcp_shows_state_and_restarts_a_server(home, tmp_path):
    log = tmp_path / "log"
    session = scripted_session(home, ScriptedModel(), mcp_servers={"faults": stdio_table(log)})
    heard = []
    session.subscribe(heard.append)
    session.start_background()
    try:
        await session.mcp.wait_for_starting(lambda text: None)
        shown = run_slash_command(session, "/mcp").text
        first = session.mcp_servers()[0].pid
        assert shown.startswith("faults: ready with 9 tools\n    stdio: ")
        assert f"pid {first}" in shown and "faults__echo" in shown and str(home / "mcp-logs" / "faults.log") in shown
        result = run_slash_command(session, "/mcp restart faults")
        assert not result.error and "restarting" in result.text
        assert await eventually(lambda: session.mcp_servers()[0].pid not in (None, first) and session.mcp_servers()[0].state == "ready", 60)
        assert not alive(first)
        assert await eventually(lambda: bool(heard), 10)
        assert [(e.level, e.message) for e in heard] == [("info", "MCP server faults restarted: ready with 9 tools")], (
            "a restart the user asked for is not a failure, and it says when it is done")
        assert run_slash_command(session, "/mcp restart nope").error
    finally:
        await session.aclose()
    assert not alive(session.mcp_servers()[0].pid or first)


async def test_closing_the_session_stops_every_server_process(home, tmp_path):
    logs = [tmp_path / f"log{i}" for i in range(3)]
    session = scripted_session(home, ScriptedModel(), mcp_servers={f"s{i}": stdio_table(log) for i, log in enumerate(logs)})
    session.start_background()
    await session.mcp.wait_for_starting(lambda text: None)
    pids = [s.pid for s in session.mcp_servers()]
    assert all(pids) and all(alive(p) for p in pids), session.mcp_servers()
    await session.aclose()
    assert not any(alive(p) for p in pids)
    assert [s.state for s in session.mcp_servers()] == ["stopped"] * 3


async def test_a_new_session_keeps_the_running_servers(home, tmp_path):
    session = scripted_session(home, ScriptedModel(), mcp_servers={"faults": stdio_table(tmp_path / "log")})
    session.start_background()
    await session.mcp.wait_for_starting(lambda text: None)
    pid = session.mcp_servers()[0].pid
    fresh = session.switch()
    await session.aclose()
    try:
        assert alive(pid) and fresh.mcp_servers()[0].pid == pid
    finally:
        await fresh.aclose()
    assert not alive(pid)


def test_sigterm_leaves_no_server_process(tmp_path, fake_server):
    """`agentsh run` with two servers gets SIGTERM while the model answers: it exits, and so do its servers."""
    fake_server.default_reply = Reply(text="late", delay=60)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    config = tmp_path / "config.toml"
    config.write_text("".join(
        f"[mcp_servers.s{i}]\ncommand = {json.dumps(sys.executable)}\nargs = {json.dumps(stdio_table(log)['args'])}\n"
        f"env = {{ FAULT_LOG = {json.dumps(str(log))} }}\n"
        for i, log in enumerate(logs)
    ))
    env = {**os.environ, "AGENTSH_CONFIG": str(config), "AGENTSH_HOME": str(tmp_path / "home"),
           "OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-test"}
    run = subprocess.Popen(
        [sys.executable, "-m", "agentsh", "run", "--no-stdin", "--model", "openai/fake-model", "hello"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        assert wait_for(lambda: all(any(n.startswith("started") for n in notes(log)) for log in logs), 60), "the servers started"
        pids = [int(next(n for n in notes(log) if n.startswith("started")).split()[1]) for log in logs]
        assert all(alive(p) for p in pids)
        assert wait_for(lambda: fake_server.hits >= 1, 60), "the turn reached the model"
        run.send_signal(signal.SIGTERM)
        assert run.wait(30) == 128 + signal.SIGTERM
    finally:
        if run.poll() is None:
            run.kill()
    assert wait_for(lambda: not any(alive(p) for p in pids), 5), "no server outlives agentsh"


async def test_what_a_server_asks_of_the_client_is_answered_by_the_managers_callbacks(home, tmp_path):
    """The one seam for requests from a server (sampling, elicitation, roots): `callbacks_for(server)`,
    used whenever a connection opens its ClientSession; the live session is there for prompts and resources."""
    asked = []

    async def list_roots(context):
        asked.append(context.request_id)
        return mcp_types.ListRootsResult(roots=[mcp_types.Root(uri="file:///work/project")])

    model = ScriptedModel()
    model.add(calls(("faults__roots", {})))
    model.add("ok")
    session = scripted_session(home, model, mcp_servers={"faults": stdio_table(tmp_path / "log", allow=["*"])})
    session.mcp.callbacks_for = lambda name: ServerCallbacks(list_roots=list_roots) if name == "faults" else ServerCallbacks()
    try:
        events = await send(session, "roots?")
        live = session.mcp.client_session("faults")
        assert live is not None and [t.name for t in (await live.list_tools()).tools][:1] == ["echo"]
    finally:
        await session.aclose()
    assert of(events, ToolResult)[0].output == "file:///work/project" and len(asked) == 1
    assert session.mcp.client_session("faults") is None, "no session once the server is stopped"
