"""Damage SQLite only notices when it reads a page: still one clear line naming the file, file untouched."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import sys

import pytest

from agentsh.cli import main
from agentsh.errors import StoreError
from agentsh.messages import Message, user
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore


@pytest.fixture
def damaged(home) -> tuple[str, str]:
    """A database whose schema is fine but whose messages table page is garbage; returns (session id, sha256)."""
    path = home / DB_FILENAME
    store = SessionStore(open_database(path))
    record = store.create(mode="chat", model="offline", title="will break")
    store.add_messages(record.id, [user("x" * 3000), Message(role="assistant", content="y" * 3000)])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = store.db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    page_size = store.db.execute("PRAGMA page_size").fetchone()[0]
    store.db.conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xde\xad\xbe\xef" * (page_size // 4)
    path.write_bytes(bytes(data))
    return record.id, hashlib.sha256(path.read_bytes()).hexdigest()


def test_reading_a_damaged_page_raises_store_error_naming_the_file(home, damaged):
    session_id, _ = damaged
    with pytest.raises(StoreError, match="damaged") as raised:
        store = SessionStore(open_database(home / DB_FILENAME))
        store.messages(session_id)
    assert str(home / DB_FILENAME) in str(raised.value)


def test_busy_and_constraint_errors_are_not_called_damage(tmp_path):
    db = open_database(tmp_path / DB_FILENAME)
    SessionStore(db).create(session_id="same", mode="chat", model="offline")
    with pytest.raises(sqlite3.IntegrityError):
        SessionStore(db).create(session_id="same", mode="chat", model="offline")
    with pytest.raises(sqlite3.OperationalError):
        db.execute("SELECT * FROM no_such_table")


@pytest.mark.parametrize("command", [["sessions", "show", "{id}"], ["sessions", "export", "{id}"], ["run", "-s", "{id}", "hi"]])
def test_commands_on_a_damaged_page_exit_1_with_one_line(capsys, monkeypatch, home, damaged, command):
    session_id, digest = damaged
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    args = [part.replace("{id}", session_id) for part in command]
    args[1:1] = ["--home", str(home)]
    capsys.readouterr()
    code = main(args)
    _out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(home / DB_FILENAME) in lines[0] and "damaged" in lines[0]
    assert hashlib.sha256((home / DB_FILENAME).read_bytes()).hexdigest() == digest
