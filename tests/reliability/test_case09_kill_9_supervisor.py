"""Case 9: kill -9 at random points of 200 turns, from a supervisor.

Worker processes (crash_worker.py: up to ten turns each, `agentsh run --json`'s own loop) are
killed with SIGKILL after a random number of output lines plus a random pause, so kills land
while a session opens, while text streams, while a tool runs and while a turn is written; a
few finish. Two lanes of workers run side by side, until 200 turns have been started. Later
workers continue the sessions earlier ones were killed in. Then:

- `PRAGMA integrity_check` is ok;
- every acknowledged turn (a `done` line on stdout) is stored as a finished turn, in order;
- no turn is half-written: a turn that was running when its process died has no message
  rows, and every finished turn starts with its user message and answers each tool call;
- every session resumes with `agentsh run -s ID`, which recovers the dead turns.

Seeded; AGENTSH_CRASH_TURNS (default 200) scales it.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from crash_worker import SLOW_STEP_PLUGIN
from reliability_support import agentsh_env, assert_integrity, assert_no_half_written_turn, done_prompts

from agentsh.store.db import DB_FILENAME

TOTAL_TURNS = int(os.environ.get("AGENTSH_CRASH_TURNS", "200"))
TURNS = 10  # per worker process
LANES = 2
MAX_PROCESSES = TOTAL_TURNS  # a bound, never reached: most workers start several turns
SEED = 20240909
LINES_PER_TURN = 24  # about what a worker prints per turn (measured), to spread the kills over its life
WORKER = Path(__file__).with_name("crash_worker.py")
LINE_TIMEOUT = 30.0  # a worker that prints nothing for this long has hung: fail, never wait forever


@dataclass
class Run:
    tag: str
    session_id: str | None
    acknowledged: list[int] = field(default_factory=list)
    started: int = 0
    killed: bool = False


def read_lines(process: subprocess.Popen):
    """The worker's stdout, line by line, with a bound on the wait for each line."""
    buffer = b""
    while True:
        ready, _, _ = select.select([process.stdout], [], [], LINE_TIMEOUT)
        assert ready, "a worker printed nothing for 30 s: it hangs"
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            return
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        yield from lines


def supervise(run: Run, home: Path, plugins: Path, rng: random.Random, workdir: Path) -> None:
    kill_after = rng.randrange(0, TURNS * LINES_PER_TURN * 5 // 4)  # beyond the last line: the worker finishes
    pause = rng.uniform(0, 0.03)
    command = [sys.executable, str(WORKER), str(home), run.session_id or "new", str(plugins), run.tag, str(TURNS), str(rng.randrange(10**6))]
    process = subprocess.Popen(command, cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    try:
        if kill_after == 0:
            time.sleep(pause * 10)  # somewhere in start-up or opening the session
            process.send_signal(signal.SIGKILL)
            run.killed = True
        for count, line in enumerate(read_lines(process), start=1):
            event = json.loads(line)
            run.session_id = run.session_id or event.get("session_id")
            run.started += event["type"] == "session"
            if event["type"] == "done":
                assert not event["failed"], event
                run.acknowledged.append(len(run.acknowledged))
            if count == kill_after:
                time.sleep(pause)
                process.send_signal(signal.SIGKILL)
                run.killed = True
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    if not run.killed:
        assert process.returncode == 0


def lane(name: str, home: Path, plugins: Path, workdir: Path, runs: list[Run], lock: threading.Lock) -> None:
    rng = random.Random(f"{SEED}-{name}")
    mine: list[Run] = []
    while True:
        with lock:
            if sum(r.started for r in runs) >= TOTAL_TURNS or len(runs) >= MAX_PROCESSES:
                return
            run = Run(tag=f"lane {name} worker {len(mine)}", session_id=None)
            runs.append(run)
        earlier = [r.session_id for r in mine if r.session_id]
        run.session_id = rng.choice(earlier) if earlier and rng.random() < 0.6 else None
        supervise(run, home, plugins, rng, workdir)
        mine.append(run)


def test_case09_kill_9_at_random_points_loses_no_acknowledged_turn(home, tmp_path, workdir, cli):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow_step.py").write_text(SLOW_STEP_PLUGIN)
    runs: list[Run] = []
    lock = threading.Lock()
    with ThreadPoolExecutor(LANES) as pool:
        for lane_done in [pool.submit(lane, chr(65 + n), home, plugins, workdir, runs, lock) for n in range(LANES)]:
            lane_done.result()

    database = home / DB_FILENAME
    assert sum(r.started for r in runs) >= TOTAL_TURNS
    assert sum(r.killed for r in runs) >= len(runs) // 2, "most workers were killed"
    assert_integrity(database)
    statuses = assert_no_half_written_turn(database)
    assert statuses.get("running", 0) + statuses.get("interrupted", 0) >= 3, f"kills landed inside turns: {statuses}"

    stored = done_prompts(database)
    acknowledged = 0
    for run in runs:
        prompts = [p for p in stored.get(run.session_id, []) if f"({run.tag}, turn " in p]
        numbers = [int(p.rsplit("turn ", 1)[1].rstrip(")")) for p in prompts]
        assert numbers[: len(run.acknowledged)] == run.acknowledged, f"{run.tag}: acknowledged turns lost"
        acknowledged += len(run.acknowledged)
    assert acknowledged >= TOTAL_TURNS // 2

    for session_id in sorted({r.session_id for r in runs if r.session_id}):
        status, out, err = cli("run", "--home", str(home), "--model", "offline", "-s", session_id, "still there?")
        assert status == 0, err
        assert "still there?" in out
    statuses = assert_no_half_written_turn(database)
    assert "running" not in statuses, "every dead turn was recovered"
    assert_integrity(database)
