"""Schema migrations: append-only, applied on open; damaged, foreign or newer files are refused untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from agentsh.errors import StoreError
from agentsh.messages import user
from agentsh.store import migrations as schema
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

MIGRATION_NAMES = schema.known_migrations()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def applied_names(db: Database) -> list[str]:
    return [m.name for m in schema.migrations.applied(db)]


def test_migration_names_are_unique_and_ordered():
    assert MIGRATION_NAMES, "at least one migration"
    assert len(set(MIGRATION_NAMES)) == len(MIGRATION_NAMES)
    assert sorted(MIGRATION_NAMES) == MIGRATION_NAMES, "migrations are appended in name order (m001_, m002_, ...)"


def test_fresh_memory_database_gets_every_migration():
    db = open_database(":memory:")
    assert applied_names(db) == MIGRATION_NAMES
    assert schema.schema_version(db) == MIGRATION_NAMES[-1]
    assert {"sessions", "turns", "messages", "events", "messages_fts"} <= set(db.table_names())


def test_fresh_file_database_is_wal_with_busy_timeout_and_foreign_keys(tmp_path):
    db = open_database(tmp_path / "sub" / DB_FILENAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert applied_names(db) == MIGRATION_NAMES


def test_opening_twice_applies_nothing_new(tmp_path):
    path = tmp_path / DB_FILENAME
    open_database(path).conn.close()
    db = open_database(path)
    assert applied_names(db) == MIGRATION_NAMES


@pytest.mark.parametrize("stop_before", MIGRATION_NAMES)
def test_database_at_an_earlier_schema_is_finished_on_open(tmp_path, stop_before):
    path = tmp_path / DB_FILENAME
    old = Database(path)
    schema.migrations.apply(old, stop_before=stop_before)
    earlier = applied_names(old)
    assert stop_before not in earlier
    old.conn.close()

    db = open_database(path)
    assert applied_names(db) == MIGRATION_NAMES
    store = SessionStore(db)  # the finished schema is usable
    record = store.create(mode="chat", model="offline")
    turn = store.begin_turn(record.id, user("hi"), "chat", "offline")
    store.finish_turn(turn, [user("hi")], [], {"status": "done"})
    assert [m.content for m in store.messages(record.id)] == ["hi"]


def _future_database(path: Path) -> None:
    db = open_database(path)
    SessionStore(db).create(mode="chat", model="offline", title="kept")
    db["_sqlite_migrations"].insert(
        {"migration_set": "agentsh", "name": "m999_from_the_future", "applied_at": "2099-01-01 00:00:00+00:00"}
    )
    db.conn.close()


def test_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / DB_FILENAME
    _future_database(path)
    before = sha256(path)
    with pytest.raises(StoreError, match="newer agentsh") as raised:
        open_database(path)
    assert str(path) in str(raised.value)
    assert sha256(path) == before
    db = sqlite3.connect(path)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == [*MIGRATION_NAMES, "m999_from_the_future"], "no downgrade"


def test_newer_schema_in_rollback_journal_mode_is_left_untouched(tmp_path):
    """Refusing a newer file must not even switch its journal mode to WAL."""
    path = tmp_path / DB_FILENAME
    _future_database(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    before = sha256(path)
    with pytest.raises(StoreError, match="newer agentsh"):
        open_database(path)
    assert sha256(path) == before


DAMAGED_FILES = {
    "random-bytes": os.urandom(4096),
    "text": b"these are my notes, not a database\n" * 20,
    "truncated-sqlite": b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\xff" * 300,
}


@pytest.mark.parametrize("kind", DAMAGED_FILES)
def test_non_sqlite_or_corrupt_file_is_refused_naming_it_untouched(tmp_path, kind):
    path = tmp_path / DB_FILENAME
    path.write_bytes(DAMAGED_FILES[kind])
    before = sha256(path)
    with pytest.raises(StoreError) as raised:
        open_database(path)
    assert str(path) in str(raised.value)
    assert "\n" not in str(raised.value)
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME], "no -wal / -journal left behind"


def test_directory_in_place_of_the_database_is_refused(tmp_path):
    (tmp_path / DB_FILENAME).mkdir()
    with pytest.raises(StoreError, match="directory"):
        open_database(tmp_path / DB_FILENAME)


def _agentsh(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agentsh", *args], cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=30,
    )


COMMANDS = {"run": ["run", "--model", "offline", "--home", "{home}", "hello"], "list": ["sessions", "--home", "{home}", "list"]}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["random-bytes", "text", "future"])
def test_commands_with_an_unusable_database_exit_1_with_one_line(home, tmp_path, kind, command):
    path = home / DB_FILENAME
    if kind == "future":
        _future_database(path)
    else:
        path.write_bytes(DAMAGED_FILES[kind])
    before = sha256(path)
    result = _agentsh(*[a.replace("{home}", str(home)) for a in COMMANDS[command]], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert "Traceback" not in result.stderr
    assert sha256(path) == before
