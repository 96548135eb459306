"""A clean exit leaves the database whole and alone: no `agentsh.db-wal` beside it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from agentsh.store.db import DB_FILENAME


def agentsh(home, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentsh", "--home", str(home), "--model", "offline", *args],
        input=stdin, capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )


@pytest.mark.parametrize("how", ["run", "plain"])
def test_no_write_ahead_log_is_left_after_a_clean_exit(home, how):
    done = agentsh(home, "run", "hello") if how == "run" else agentsh(home, "--plain", stdin="hello\n/title kept\n")
    assert done.returncode == 0, done.stderr
    assert (home / DB_FILENAME).exists()
    assert not (home / f"{DB_FILENAME}-wal").exists() and not (home / f"{DB_FILENAME}-shm").exists()
    listed = agentsh(home, "sessions", "list")
    assert "hello" in listed.stdout or "kept" in listed.stdout, listed.stdout + listed.stderr
