"""Case 20: a shell tool call that times out (or is interrupted) kills its whole process group.

The model (the fake server) runs a command that starts background jobs and grandchildren,
one of which ignores SIGTERM. When the call times out, and when the user interrupts the turn
instead, every one of them is gone within a bound, and the turn still ends properly.

Not covered, and not claimed: a process that leaves the group on purpose (`setsid`, a daemon's
double fork) is outside what a process-group kill can reach.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from agentsh.events import ToolResult

from fakeserver import Reply
from helpers import of, send

SPAWNER = (
    "sh -c 'trap \"\" TERM; sleep 60 & echo $! >> pids; wait' & echo $! >> pids; "
    "(sleep 60 & echo $! >> pids; wait) & echo $! >> pids; "
    "echo started; wait"
)
PROCESSES = 4  # the TERM-ignoring shell and its sleep, the subshell and its sleep
BOUND = 10.0  # seconds; the jobs would live 60


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody has reaped yet (it no longer runs)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


async def wait_gone(pids: list[int]) -> list[int]:
    """The processes still running after a short wait (killed then, so a failure leaves none behind)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(gone(p) for p in pids):
        await asyncio.sleep(0.05)
    survivors = [p for p in pids if not gone(p)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return survivors


def started(workdir: Path) -> list[int]:
    text = (workdir / "pids").read_text() if (workdir / "pids").exists() else ""
    return [int(line) for line in text.split()]


async def test_case20_a_timed_out_command_and_everything_it_started_are_killed(llm_session, server, workdir):
    server.enqueue(Reply(tool_calls=[{"name": "run_shell", "arguments": {"command": SPAWNER, "timeout": 1}}]), Reply(text="It timed out."))
    session = llm_session(approval="auto")

    began = time.monotonic()
    events = await asyncio.wait_for(send(session, "start the jobs"), BOUND)

    [result] = of(events, ToolResult)
    assert result.output.startswith("timed out after 1 s") and "started" in result.output
    assert not events[-1].failed and events[-1].output == "It timed out."
    assert time.monotonic() - began < BOUND
    pids = started(workdir)
    assert len(pids) == PROCESSES
    assert await wait_gone(pids) == [], "processes of the group survived the timeout"


async def test_case20_interrupting_the_turn_kills_the_group_too(llm_session, server, workdir):
    server.enqueue(Reply(tool_calls=[{"name": "run_shell", "arguments": {"command": SPAWNER, "timeout": 600}}]))
    session = llm_session(approval="auto")

    async def interrupt_once_started() -> list:
        turn = asyncio.create_task(send(session, "start the jobs"))
        while len(started(workdir)) < PROCESSES:
            assert not turn.done(), turn.result()
            await asyncio.sleep(0.02)
        session.cancel()  # what Esc / Ctrl+C do in the UIs
        return await turn

    events = await asyncio.wait_for(interrupt_once_started(), BOUND)
    assert events[-1].interrupted
    assert await wait_gone(started(workdir)) == [], "processes of the group survived the interruption"
    statuses = session.store.db.execute("SELECT status FROM turns").fetchall()
    assert statuses == [("interrupted",)]


async def test_case20_interrupted_before_the_pipes_are_connected_still_kills_the_group(llm_session, server, workdir, monkeypatch):
    """The shell runs from the moment it is forked; asyncio connects its pipes a moment later.

    Interrupted in that window (seen on a loaded CI machine), asyncio itself kills only the
    shell: the jobs it had already started must still be stopped with their group.
    """
    server.enqueue(Reply(tool_calls=[{"name": "run_shell", "arguments": {"command": SPAWNER, "timeout": 600}}]))
    session = llm_session(approval="auto")
    spawn = asyncio.create_subprocess_exec

    async def slow_to_connect(*args, **kwargs):
        process = await spawn(*args, **kwargs)
        while len(started(workdir)) < PROCESSES:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # the window: the jobs run, the call has no process yet
        return process

    monkeypatch.setattr(asyncio, "create_subprocess_exec", slow_to_connect)

    async def interrupt_while_connecting() -> list:
        turn = asyncio.create_task(send(session, "start the jobs"))
        while len(started(workdir)) < PROCESSES:
            assert not turn.done(), turn.result()
            await asyncio.sleep(0.02)
        session.cancel()
        return await turn

    events = await asyncio.wait_for(interrupt_while_connecting(), BOUND)
    assert events[-1].interrupted
    assert await wait_gone(started(workdir)) == [], "processes started before the pipes were connected survived"
