"""The client against a server written with the SDK's own server API, over stdio and streamable HTTP:
what a user notices when a server crashes, hangs, changes its tools, reports progress, fails or answers
with images and resources."""

from __future__ import annotations

import asyncio

import pytest

from agentsh.errors import ToolError
from agentsh.events import Notice, ToolCall, ToolProgress, ToolResult
from agentsh.mcp.manager import call_tool
from agentsh.models.scripted import ScriptedModel, calls

from helpers import done, of, scripted_session, send
from mcp_support import alive, eventually, http_server, notes, stdio_table


@pytest.fixture(params=["stdio", "http"])
def faults(request, tmp_path):
    """The `faults` server's config table, on each transport."""
    log = tmp_path / "faults.log"
    if request.param == "stdio":
        yield stdio_table(log, allow=["*"]), log
    else:
        with http_server(log) as url:
            yield {"url": url, "allow": ["*"]}, log


async def test_a_server_on_the_legacy_sse_transport_answers_with_its_progress(home, tmp_path):
    """A URL ending in /sse speaks the older HTTP+SSE transport, which many deployed servers still use."""
    model = ScriptedModel()
    model.add(calls(("faults__steps", {"count": 2}), ("faults__echo", {"text": "over sse"})))
    model.add("done")
    with http_server(tmp_path / "faults.log", transport="sse") as url:
        session = await opened(home, model, {"url": url, "allow": ["*"]})
        try:
            events = await send(session, "count, then echo")
        finally:
            await session.aclose()
    assert [p.message for p in of(events, ToolProgress)] == ["step 1 of 2", "step 2 of 2"]
    assert sorted(r.output for r in of(events, ToolResult) if r.ok) == ["2 steps", "echo: over sse"]


async def opened(home, model, table):
    session = scripted_session(home, model, mcp_servers={"faults": table})
    session.mcp.start()
    await session.mcp.wait_for_starting(lambda text: None)
    return session


async def test_a_tool_call_goes_to_the_server_and_its_answer_to_the_model(home, faults):
    model = ScriptedModel()
    model.add(calls(("faults__echo", {"text": "hi [b]there[/b]"})))
    model.add("ok")
    session = await opened(home, model, faults[0])
    try:
        events = await send(session, "echo it")
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert result.ok and result.output == "echo: hi [b]there[/b]"
    assert "echo: hi [b]there[/b]" in model.requests[1].messages[-1].content


async def test_a_hung_call_times_out_and_the_server_hears_it_is_cancelled(home, faults):
    table, log = faults
    model = ScriptedModel()
    model.add(calls(("faults__slow", {"seconds": 60})))
    model.add("gave up")
    session = await opened(home, model, {**table, "timeout": 1})
    try:
        events = await send(session, "wait")
        assert await eventually(lambda: "cancelled slow" in notes(log), 10)
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert not result.ok and "timed out after 1 s" in result.output


async def test_esc_during_a_call_sends_the_server_a_cancellation(home, faults):
    table, log = faults
    model = ScriptedModel()
    model.add(calls(("faults__slow", {"seconds": 60})))
    session = await opened(home, model, table)
    try:
        async for event in session.send("wait"):
            if isinstance(event, ToolCall):
                await asyncio.sleep(0.3)
                session.cancel()
        assert await eventually(lambda: "cancelled slow" in notes(log), 10)
        assert session.mcp.statuses()[0].state == "ready", "the connection survives a cancelled call"
    finally:
        await session.aclose()


async def test_a_changed_tool_list_reaches_the_next_model_call(home, faults):
    model = ScriptedModel()
    model.add(calls(("faults__add_tool", {})))
    model.add(calls(("faults__extra", {})))
    model.add("done")
    session = await opened(home, model, faults[0])
    try:
        events = await send(session, "grow")
    finally:
        await session.aclose()
    offered = [{t["function"]["name"] for t in request.request.tools or []} for request in model.requests]
    assert "faults__extra" not in offered[0] and "faults__extra" in offered[1]
    assert [r.output for r in of(events, ToolResult)] == ["added", "extra here"]
    assert any("tools changed" in n.message for n in of(events, Notice))


async def test_progress_appears_with_the_call(home, faults):
    model = ScriptedModel()
    model.add(calls(("faults__steps", {"count": 3})))
    model.add("done")
    session = await opened(home, model, faults[0])
    try:
        events = await send(session, "count")
    finally:
        await session.aclose()
    [call] = of(events, ToolCall)
    progress = of(events, ToolProgress)
    assert [(p.progress, p.total, p.message) for p in progress] == [(1, 3, "step 1 of 3"), (2, 3, "step 2 of 3"), (3, 3, "step 3 of 3")]
    assert {p.id for p in progress} == {call.id}
    assert events.index(progress[-1]) < events.index(of(events, ToolResult)[0])


async def test_an_error_result_goes_to_the_model_as_an_error(home, faults):
    model = ScriptedModel()
    model.add(calls(("faults__fail", {})))
    model.add("sorry")
    session = await opened(home, model, faults[0])
    try:
        events = await send(session, "fail")
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert not result.ok
    assert result.output == "Error: faults__fail failed: the disk is [bold]full[/bold]"


async def test_every_kind_of_content_is_told_to_the_model(home, faults):
    model = ScriptedModel()
    model.add(calls(("faults__mixed", {})))
    model.add("seen")
    session = await opened(home, model, faults[0])
    try:
        events = await send(session, "show")
    finally:
        await session.aclose()
    [result] = of(events, ToolResult)
    assert result.ok
    lines = result.output.splitlines()
    assert lines[0] == "plain text"
    assert lines[1] == "[image: image/png, 108 bytes]"  # the image itself travels beside the text (tests/mcp/test_mcp_images.py)
    assert [a.media_type for a in model.requests[1].messages[-1].attachments] == ["image/png"]
    assert lines[2:4] == ["[resource <file:///notes.txt> (text/plain)]", "embedded words"]
    assert lines[4] == "[resource <file:///blob.bin>: 3 bytes of binary data, not shown]"
    assert lines[5] == "[resource link: report <file:///report.pdf> (application/pdf)]"
    assert lines[6] == '{"temperature": 21, "unit": "C"}'


async def test_a_crashed_server_is_restarted_and_its_tools_come_back(home, tmp_path):
    log = tmp_path / "faults.log"
    model = ScriptedModel()
    model.add(calls(("faults__crash", {})))
    model.add("it crashed")
    model.add(calls(("faults__echo", {"text": "again"})))
    model.add("fine")
    session = await opened(home, model, stdio_table(log, allow=["*"]))
    heard = []
    session.subscribe(heard.append)
    try:
        first = session.mcp.statuses()[0].pid
        events = await send(session, "crash")
        [result] = of(events, ToolResult)
        assert not result.ok and "faults" in result.output
        assert await eventually(lambda: session.mcp.statuses()[0].state == "failed", 5)
        assert "faults__echo" not in [t.name for t in session.tools()], "a failed server's tools are gone"
        assert await eventually(lambda: session.mcp.statuses()[0].state == "ready", 10)
        status = session.mcp.statuses()[0]
        assert status.state == "ready" and status.pid != first and not alive(first)
        assert "faults__echo" in [t.name for t in session.tools()], "and come back with it"
        again = await send(session, "echo")
        assert of(again, ToolResult)[0].output == "echo: again"
    finally:
        await session.aclose()
    messages = [e.message for e in heard if isinstance(e, Notice)]
    assert any("failed" in m and "restarting in 1 s" in m for m in messages), messages
    assert any("is back" in m for m in messages), messages
    logged = (home / "mcp-logs" / "faults.log").read_text()
    assert "crashing now" in logged, "its stderr went to the log file"
    assert "ended: its process exited" in logged.split("crashing now", 1)[1], "and when and why it ended, under it"
    assert not done(events).failed


async def test_a_call_made_while_a_crashed_server_waits_to_restart_waits_for_it(home, tmp_path):
    """It crashed while the user was approving the call, and its restart is a second away: the call waits."""
    session = await opened(home, ScriptedModel(), stdio_table(tmp_path / "faults.log"))
    try:
        connection = session.mcp.connection("faults")
        with pytest.raises(ToolError):
            await call_tool(connection, "crash", {})
        assert await eventually(lambda: connection.state == "failed", 10)
        assert "restarting in 1 s" in connection.describe()
        result = await call_tool(connection, "echo", {"text": "back"})
    finally:
        await session.aclose()
    assert result.content[0].text == "echo: back"


async def test_a_call_made_while_its_server_restarts_waits_for_it(home, tmp_path):
    """The server went away while the user was approving the call: the call waits for it to be back."""
    session = await opened(home, ScriptedModel(), stdio_table(tmp_path / "faults.log"))
    try:
        connection = session.mcp.connection("faults")
        session.mcp.restart("faults")
        assert await eventually(lambda: connection.state == "starting" and connection.session is None, 5)
        result = await call_tool(connection, "echo", {"text": "back"})
    finally:
        await session.aclose()
    assert result.content[0].text == "echo: back"
