"""Case 34: a turn whose process died is recovered whatever host or container wrote it, and keeps its place.

A worker process (turn_writer.py) resumes a session as a process on another host would and
starts a turn that streams a partial answer and never ends. While it lives, this process runs
a later turn in the same session: the worker's turn is left alone (its writer is alive). Then
the worker is SIGKILLed, and the next open of the data home recovers its turn: partial answer
kept and marked interrupted, in its place in the history — before the later turn's messages.

Three ways the dead writer can look, as seen from here:
- another host (a container with its own hostname, sharing the data home);
- this host, but its pid now belongs to a live process (another PID namespace, or reuse);
- this host, its pid gone (recovered before the fix too, but appended after the later turn).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from reliability_support import agentsh_env, assert_integrity, assert_no_half_written_turn, connect
from turn_writer import PARTIAL

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

WORKER = Path(__file__).with_name("turn_writer.py")
ELSEWHERE = "written in another container"


def start_writer(home: Path, session_id: str, host: str, workdir: Path) -> subprocess.Popen:
    command = [sys.executable, str(WORKER), str(home), session_id, host, ELSEWHERE]
    writer = subprocess.Popen(command, cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    line = writer.stdout.readline()
    assert line.strip() == "streaming", f"the writer did not start its turn (exit {writer.poll()})"
    return writer


def running_turn(home: Path) -> dict:
    with closing(connect(home / DB_FILENAME)) as db:
        rows = db.execute("SELECT * FROM turns WHERE status = 'running'").fetchall()
    assert len(rows) == 1
    return dict(rows[0])


async def one_turn(home: Path, session_id: str, text: str) -> None:
    session = Session.open(Settings(home=home, model="offline", mode="chat"), resume=session_id)
    events = [event async for event in session.send(text)]
    assert events[-1].type == "done" and not events[-1].failed


def disguise(home: Path, how: str, live_pid: int) -> None:
    """Make the dead writer's row look as `how` says (the host is already the worker's)."""
    values = {"other-host": None, "pid-now-alive": (socket.gethostname(), live_pid), "pid-gone": (socket.gethostname(), None)}[how]
    if values is None:
        return
    host, pid = values
    store = SessionStore(open_database(home / DB_FILENAME))
    with store.db.conn:
        store.db.execute("UPDATE turns SET host = ?, pid = coalesce(?, pid) WHERE status = 'running'", [host, pid])
    store.db.conn.close()


@pytest.mark.parametrize("how", ["other-host", "pid-now-alive", "pid-gone"])
async def test_case34_a_dead_turn_from_any_host_is_recovered_in_its_place(home, workdir, how):
    store = SessionStore(open_database(home / DB_FILENAME))
    session_id = store.create(mode="chat", model="offline").id
    await one_turn(home, session_id, "before")

    writer = start_writer(home, session_id, "another-container", workdir)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert running_turn(home)["host"] == "another-container"
        assert SessionStore(open_database(home / DB_FILENAME)).recover() == 0, "a live writer's turn is left alone"
        await one_turn(home, session_id, "after")
        assert running_turn(home)["host"] == "another-container", "still running while its writer lives"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        disguise(home, how, bystander.pid)

        reopened = SessionStore(open_database(home / DB_FILENAME))
        history = [(m.role, m.content, m.interrupted) for m in reopened.messages(session_id)]
    finally:
        for process in (writer, bystander):
            process.kill()
            process.wait(timeout=30)
        writer.stdout.close()

    asked = [content for role, content, _ in history if role == "user"]
    assert asked == ["before", ELSEWHERE, "after"], "the recovered turn keeps its place, before the later turn"
    assert history[history.index(("user", ELSEWHERE, False)) + 1] == ("assistant", PARTIAL, True)
    assert assert_no_half_written_turn(home / DB_FILENAME) == {"done": 2, "interrupted": 1}
    assert_integrity(home / DB_FILENAME)
    assert list((home / "locks").iterdir()) == [], "no lock file is left behind"
