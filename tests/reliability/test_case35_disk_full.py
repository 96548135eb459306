"""Case 35: the disk fills up during a turn with a 500 KB answer.

`agentsh run` (a subprocess: disk_full_worker.py, the real command on a database capped by
SQLite's `max_page_count` once the turn has started, so writes fail with SQLITE_FULL as on a
full disk) still prints the whole answer on stdout, says in one line on stderr that the turn
was not saved and why, exits 1, and prints no traceback. The store stays consistent: once
there is room again, the next `agentsh run` in the session works, the cut-off turn is
recovered as interrupted, and `PRAGMA integrity_check` is ok.
"""

from __future__ import annotations

import subprocess
import sys
from contextlib import closing
from pathlib import Path

from reliability_support import agentsh_env, assert_integrity, assert_no_half_written_turn, connect

from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

WORKER = Path(__file__).with_name("disk_full_worker.py")
ANSWER_WORDS = 100_000  # 500 KB


def test_case35_a_full_disk_still_prints_the_answer_and_says_it_was_not_saved(home, workdir, agentsh):
    session_id = SessionStore(open_database(home / DB_FILENAME)).create(mode="chat", model="offline", title="kept").id
    first = agentsh("run", "--home", str(home), "--model", "offline", "-s", session_id, "an earlier question")
    assert first.returncode == 0, first.stderr

    prompt = ("word " * ANSWER_WORDS).encode()
    full = subprocess.run(
        [sys.executable, str(WORKER), "run", "--home", str(home), "--model", "offline", "-s", session_id],
        cwd=workdir, env=agentsh_env(), input=prompt, capture_output=True, timeout=300,
    )
    out, err = full.stdout.decode(), full.stderr.decode()
    assert full.returncode == 1, err
    assert len(out) > 500_000 and out.rstrip().endswith("word " * 100 + "word"), "the whole answer is printed"
    assert "Traceback" not in err and "never retrieved" not in err, err
    assert all(line.startswith("agentsh: ") for line in err.splitlines()), err  # notices (a compaction) and the error
    assert [line for line in err.splitlines() if "error" in line or "saved" in line] == [
        f"agentsh: error: this turn was not saved: the disk holding the session database {home / DB_FILENAME} is full; "
        "free some space (earlier turns are safe)"
    ]

    assert_integrity(home / DB_FILENAME)
    again = agentsh("run", "--home", str(home), "--model", "offline", "-s", session_id, "is there room again?")
    assert again.returncode == 0, again.stderr
    assert "is there room again?" in again.stdout.decode()
    assert assert_no_half_written_turn(home / DB_FILENAME) == {"done": 2, "interrupted": 1}
    with closing(connect(home / DB_FILENAME)) as db:
        asked = [r[0][:30] for r in db.execute("SELECT content FROM messages WHERE role = 'user' ORDER BY seq")]
    assert asked == ["an earlier question", "word " * 6, "is there room again?"]
    assert_integrity(home / DB_FILENAME)
