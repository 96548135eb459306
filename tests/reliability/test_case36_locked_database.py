"""Case 36: another process holds the session database's write lock (BEGIN IMMEDIATE) for longer
than agentsh waits.

A second process (plain sqlite3) takes the write lock and keeps it; `store_timeout` is set to
3 s in the config file so that the case runs in seconds (the default is 30 s). `agentsh run`:

- locked before the turn: says it is waiting ("waiting for the session database: another
  agentsh is writing (1 s)"), then fails with one line naming the file, exit 1, no traceback;
- locked while the turn runs (a 4 s tool gives the time to take the lock): the answer is
  printed all the same, one line says the turn was not saved and why, exit 1;
- lock released while it waits (once it has said so): the turn is saved (exit 0).

Afterwards the next run works, nothing is half-written, and the file is intact.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from crash_worker import SLOW_STEP_PLUGIN
from reliability_support import agentsh_env, assert_integrity, assert_no_half_written_turn, connect

from agentsh.config import config_dir
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

STORE_TIMEOUT = 3
WAITING = "agentsh: waiting for the session database: another agentsh is writing (1 s)"
HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


@pytest.fixture
def session_id(home) -> str:
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text(f"store_timeout = {STORE_TIMEOUT}\n")
    store = SessionStore(open_database(home / DB_FILENAME))
    record = store.create(mode="tools", model="offline", title="kept")
    store.db.conn.close()
    return record.id


def hold_the_lock(home: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(home / DB_FILENAME), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def start_run(home: Path, workdir: Path, session_id: str, *prompt: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "agentsh", "run", "--home", str(home), "--model", "offline", "-s", session_id, *prompt]
    return subprocess.Popen(command, cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_running_turn(home: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with closing(connect(home / DB_FILENAME)) as db:
            if db.execute("SELECT 1 FROM turns WHERE status = 'running'").fetchone():
                return
        time.sleep(0.02)
    raise AssertionError("the turn never started")


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def assert_next_run_works(home: Path, workdir: Path, session_id: str, turns: dict[str, int]) -> None:
    status, out, err = finish(start_run(home, workdir, session_id, "go on"))
    assert status == 0 and "You said: go on" in out, err
    assert assert_no_half_written_turn(home / DB_FILENAME) == turns
    assert_integrity(home / DB_FILENAME)


def test_case36_locked_before_the_turn_waits_visibly_then_fails_in_one_line(home, workdir, session_id):
    holder = hold_the_lock(home, STORE_TIMEOUT + 5)
    try:
        status, out, err = finish(start_run(home, workdir, session_id, "hello"))
    finally:
        holder.kill()
        holder.wait()
    assert status == 1 and out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == WAITING, err
    assert lines[-1].startswith(f"agentsh: the session database {home / DB_FILENAME} is locked: another process"), err
    assert f"writing to it for {STORE_TIMEOUT} s" in lines[-1] and "store_timeout" in lines[-1]
    assert all(line.startswith("agentsh: waiting") for line in lines[:-1])
    assert_next_run_works(home, workdir, session_id, {"done": 1})


def test_case36_locked_during_the_turn_still_prints_the_answer(home, workdir, session_id, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow_step.py").write_text(SLOW_STEP_PLUGIN)
    run = start_run(home, workdir, session_id, "--plugins", str(plugins), "--yes", "use slow step for 4000 milliseconds")
    wait_for_running_turn(home)
    holder = hold_the_lock(home, STORE_TIMEOUT + 5)
    try:
        status, out, err = finish(run)
    finally:
        holder.kill()
        holder.wait()
    assert "step done in 4000 ms" in out, (out, err)
    assert status == 1 and "Traceback" not in err, err
    assert WAITING in err.splitlines(), err
    assert err.splitlines()[-1].startswith(f"agentsh: error: this turn was not saved: the session database {home / DB_FILENAME} is locked")
    assert_next_run_works(home, workdir, session_id, {"interrupted": 1, "done": 1})


def test_case36_a_lock_released_in_time_is_waited_for(home, workdir, session_id):
    holder = hold_the_lock(home, 60)
    run = start_run(home, workdir, session_id, "hello")
    try:
        assert run.stderr.readline().rstrip("\n") == WAITING
    finally:
        holder.kill()  # the lock goes with it
        holder.wait()
    status, out, err = finish(run)
    assert status == 0 and "You said: hello" in out, err
    assert_next_run_works(home, workdir, session_id, {"done": 2})
