"""Case 10: eight `agentsh run` processes and one long-lived session write to one data home at once.

For AGENTSH_STRESS_SECONDS (default 10 here; the issue's figure is 30: set it for a longer
soak), eight loops each run `agentsh run` again and again (six sessions: two of them shared
by two loops), while a Session in this process answers turn after turn. Every run exits 0
with no "database is locked", every acknowledged turn is stored exactly once and in order,
the turns are whole, and the file is intact.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reliability_support import agentsh_env, assert_integrity, assert_no_half_written_turn, done_prompts

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

STRESS_SECONDS = float(os.environ.get("AGENTSH_STRESS_SECONDS", "10"))  # read before the env is isolated
CLI_WRITERS = 8
CLI_SESSIONS = 6


def prompt(writer: str, number: int) -> str:
    if number % 2:
        return f"use the calculator to add {number} and 1 ({writer}, message {number})"
    return f"hello from {writer}, message {number}"


def cli_writer(index: int, home: Path, workdir: Path, deadline: float) -> list[tuple[str, str, subprocess.CompletedProcess]]:
    session_id = f"cli-{index % CLI_SESSIONS}"
    runs = []
    while time.monotonic() < deadline:
        text = prompt(f"cli {index}", len(runs))
        command = [sys.executable, "-m", "agentsh", "run", "--model", "offline", "--home", str(home), "-s", session_id, text]
        result = subprocess.run(command, cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        runs.append((session_id, text, result))
    return runs


def in_process_writer(home: Path, deadline: float, started: threading.Event) -> tuple[str, list[str]]:
    async def turns() -> tuple[str, list[str]]:
        session = Session.open(Settings(home=home, model="offline"), resume="long-lived")
        started.set()
        sent = []
        while time.monotonic() < deadline:
            text = prompt("in-process", len(sent))
            events = [event async for event in session.send(text)]
            assert events[-1].type == "done" and not events[-1].failed, events[-2:]
            assert not any(e.type == "error" for e in events), events
            sent.append(text)
            await asyncio.sleep(0.02)  # a user's pace, leaving the CPU to the other writers too
        return session.id, sent

    return asyncio.run(turns())


def test_case10_eight_processes_and_a_long_lived_session_lose_nothing(home, workdir):
    store = SessionStore(open_database(home / DB_FILENAME))
    for name in [f"cli-{n}" for n in range(CLI_SESSIONS)] + ["long-lived"]:
        store.create(session_id=name, mode="tools", model="offline")
    store.db.conn.close()

    started = threading.Event()
    with ThreadPoolExecutor(max_workers=CLI_WRITERS + 1) as pool:
        deadline = time.monotonic() + STRESS_SECONDS
        local = pool.submit(in_process_writer, home, deadline, started)
        assert started.wait(30)
        writers = [pool.submit(cli_writer, n, home, workdir, deadline) for n in range(CLI_WRITERS)]
        runs = [run for writer in writers for run in writer.result(timeout=STRESS_SECONDS + 120)]
        local_id, local_prompts = local.result(timeout=STRESS_SECONDS + 120)

    for _, text, result in runs:
        assert "locked" not in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0, (text, result.stderr)
    assert len(runs) >= CLI_WRITERS and len(local_prompts) >= 5, "everyone got to write"

    database = home / DB_FILENAME
    assert_integrity(database)
    statuses = assert_no_half_written_turn(database)
    assert set(statuses) == {"done"}
    stored = done_prompts(database)
    assert stored[local_id] == local_prompts
    for session_id in {s for s, _, _ in runs}:
        acknowledged = [text for s, text, _ in runs if s == session_id]
        assert Counter(stored[session_id]) == Counter(acknowledged), f"{session_id}: every turn exactly once"
        for writer in range(CLI_WRITERS):
            mine = [t for t in stored[session_id] if f"cli {writer}," in t]
            assert mine == [t for t in acknowledged if f"cli {writer}," in t], "each writer's turns in order"
