"""Case 11: a process killed in the middle of a schema migration; the next start finishes it.

A data home at the schema before the newest migration, holding a session, is opened by a
process that is SIGKILLed inside that migration (a test hook stalls it there). Nothing of the
half-done migration is visible afterwards, and the next `agentsh` command applies it whole:
the schema is then exactly a fresh database's, the old session is intact and can go on.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from reliability_support import agentsh_env, assert_integrity, connect
from sqlite_utils import Database

from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.migrations import known_migrations, migrations

WORKER = Path(__file__).with_name("migration_worker.py")
NAMES = known_migrations()


def schema(path: Path) -> set[tuple[str, str]]:
    with closing(connect(path)) as db:
        return {(row[0], row[1]) for row in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}


def applied(path: Path) -> list[str]:
    with closing(connect(path)) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'").fetchone():
            return []
        return [row[0] for row in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]


def database_before_the_newest_migration(path: Path) -> None:
    db = Database(path)
    migrations.apply(db, stop_before=NAMES[-1])
    if "sessions" in db.table_names():
        db.execute("""INSERT INTO sessions (id, title, mode, model, created_at, updated_at)
                      VALUES ('older', 'from before the upgrade', 'chat', 'offline', '2024-01-01', '2024-01-01')""")
        db.execute("""INSERT INTO messages (session_id, seq, role, content, created_at)
                      VALUES ('older', 0, 'user', 'a question from before the upgrade', '2024-01-01')""")
        db.conn.commit()
    db.conn.close()


def kill_inside_the_migration(path: Path, ready: Path, workdir: Path) -> None:
    process = subprocess.Popen([sys.executable, str(WORKER), str(path), str(ready)], cwd=workdir, env=agentsh_env(),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the worker never reached the migration"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def test_case11_the_next_start_finishes_a_migration_killed_half_way(home, tmp_path, workdir, agentsh, cli):
    path = home / DB_FILENAME
    database_before_the_newest_migration(path)
    before = schema(path)

    kill_inside_the_migration(path, tmp_path / "ready", workdir)

    assert (tmp_path / "ready").read_text() == NAMES[-1], "killed inside the newest migration"
    assert applied(path) == NAMES[:-1]
    assert schema(path) == before, "nothing of the half-done migration is visible"
    assert_integrity(path)

    listed = agentsh("sessions", "--home", str(home), "list")
    assert listed.returncode == 0, listed.stderr
    assert applied(path) == NAMES
    fresh = tmp_path / "fresh.db"
    open_database(fresh).conn.close()
    assert schema(path) == schema(fresh), "the migration was applied whole"
    assert_integrity(path)

    if len(NAMES) > 1:  # there was a session from before the upgrade: it is intact and goes on
        assert "from before the upgrade" in listed.stdout.decode()
        status, _out, err = cli("run", "--home", str(home), "--model", "offline", "-s", "older", "and now?")
        assert status == 0, err
        with closing(sqlite3.connect(path)) as db:
            asked = [r[0] for r in db.execute("SELECT content FROM messages WHERE session_id = 'older' AND role = 'user' ORDER BY seq")]
        assert asked == ["a question from before the upgrade", "and now?"]
