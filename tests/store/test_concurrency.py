"""Several processes writing one data home: no "database is locked", no lost turn."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.migrations import known_migrations
from agentsh.store.sessions import SessionStore

TURNS = 8  # per writer: enough for the three to overlap many times


def run_turn(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentsh", "run", "--model", "offline", "--home", str(home), *args],
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )


def cli_writer(home: Path, cwd: Path, session_id: str) -> list[subprocess.CompletedProcess]:
    return [run_turn(home, cwd, "-s", session_id, f"message {n} for {session_id}") for n in range(TURNS)]


def in_process_writer(home: Path, session_id: str, start: threading.Event) -> None:
    async def turns() -> None:
        store = SessionStore(open_database(home / DB_FILENAME))
        session = Session.open(Settings(model="offline", home=home), resume=session_id, store=store)
        start.wait(timeout=30)
        for n in range(TURNS):
            events = [event async for event in session.send(f"message {n} for {session_id}")]
            assert events[-1].type == "done" and not events[-1].failed, events[-1]

    asyncio.run(turns())


def test_two_cli_processes_and_an_in_process_writer_lose_no_turn(home, tmp_path):
    store = SessionStore(open_database(home / DB_FILENAME))
    ids = [store.create(session_id=name, mode="tools", model="offline").id for name in ("cli-one", "cli-two", "inproc")]
    start = threading.Event()
    with ThreadPoolExecutor(max_workers=3) as pool:
        local = pool.submit(in_process_writer, home, ids[2], start)
        runs = [pool.submit(cli_writer, home, tmp_path, session_id) for session_id in ids[:2]]
        start.set()
        local.result(timeout=240)
        results = [result for future in runs for result in future.result(timeout=240)]

    assert len(results) == 2 * TURNS
    for result in results:
        assert "database is locked" not in result.stderr
        assert result.returncode == 0, result.stderr
    done = store.db.execute("SELECT session_id, count(*) FROM turns WHERE status = 'done' GROUP BY session_id").fetchall()
    assert dict(done) == {session_id: TURNS for session_id in ids}
    assert store.db.execute("SELECT count(*) FROM turns WHERE status != 'done'").fetchone()[0] == 0
    for session_id in ids:
        messages = store.messages(session_id)
        assert len(messages) == 2 * TURNS
        asked = [m.content for m in messages if m.role == "user"]
        assert asked == [f"message {n} for {session_id}" for n in range(TURNS)]
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_first_runs_racing_on_an_empty_data_home_all_succeed(tmp_path):
    home = tmp_path / "fresh"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: run_turn(home, tmp_path, f"hello {n}"), range(4)))
    for result in results:
        assert "database is locked" not in result.stderr
        assert result.returncode == 0, result.stderr
    store = SessionStore(open_database(home / DB_FILENAME))
    assert len(store.list()) == 4
    applied = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == known_migrations(), "each migration applied exactly once"


def test_opening_the_database_again_keeps_this_process_locks(home):
    """Opening the file outside SQLite and closing it drops every POSIX lock this process holds on it.

    Then another process closing its connection believes it is the last one and deletes the
    WAL and shared-memory files under our feet (seen as "database disk image is malformed").
    """
    path = home / DB_FILENAME
    first = SessionStore(open_database(path))
    first.create(session_id="kept", mode="chat", model="offline")
    second = open_database(path)
    script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM sessions').fetchone(); c.close()"
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=30)
    assert path.with_name(DB_FILENAME + "-wal").exists(), "another process thought it was the last user"
    assert path.with_name(DB_FILENAME + "-shm").exists()
    first.create(session_id="after", mode="chat", model="offline")
    assert {r["id"] for r in second.query("SELECT id FROM sessions")} == {"kept", "after"}
    assert second.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@contextmanager
def a_write_rolled_back_in_another_thread(path: Path):
    """A database with a `notes` table, and another thread inside a write transaction on the same connection that
    has inserted a note and will roll it back 0.3 s from now; until the `with` ends."""
    from agentsh.store.db import write_transaction

    db = open_database(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    inside = threading.Event()

    def failing_writer() -> None:
        with suppress(RuntimeError), write_transaction(db):
            db.execute("INSERT INTO notes VALUES ('rolled back')")
            inside.set()
            threading.Event().wait(0.3)
            raise RuntimeError("this transaction fails and is rolled back")

    writer = threading.Thread(target=failing_writer)
    writer.start()
    assert inside.wait(10)
    try:
        yield db
    finally:
        writer.join()


def test_two_threads_sharing_the_app_s_connection_write_one_after_the_other(tmp_path):
    """The app's threads share one connection: a write begun while another thread's transaction is open waits
    for it, instead of failing, or joining that transaction and being rolled back with it."""
    from agentsh.store.db import write_transaction

    with a_write_rolled_back_in_another_thread(tmp_path / DB_FILENAME) as db, write_transaction(db):
        db.execute("INSERT INTO notes VALUES ('kept')")
    assert [row[0] for row in db.execute("SELECT text FROM notes")] == ["kept"]


def test_a_query_on_the_shared_connection_waits_for_another_thread_s_open_write(tmp_path):
    """sqlite-utils' query opens a savepoint: run while another thread's write transaction is open, it would nest
    in it, read what that transaction may still roll back, and lose its savepoint when it ends (the app crashed
    quitting mid-answer with "no such savepoint: sqlite_utils_query")."""
    with a_write_rolled_back_in_another_thread(tmp_path / DB_FILENAME) as db:
        seen = [row["text"] for row in db.query("SELECT text FROM notes")]
    assert seen == []
