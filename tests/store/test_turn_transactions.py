"""Each turn's writes are one transaction; a failed write leaves the draft for recovery."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from agentsh.config import Settings
from agentsh.errors import StoreError
from agentsh.messages import Message, user
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore


@pytest.fixture
def store(tmp_path) -> SessionStore:
    return SessionStore(open_database(tmp_path / DB_FILENAME))


def count(store: SessionStore, table: str) -> int:
    return store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_turn_is_all_or_nothing_and_its_draft_survives_a_failed_write(store, monkeypatch):
    record = store.create(mode="chat", model="offline")
    turn = store.begin_turn(record.id, user("hi"), "chat", "offline")
    store.checkpoint(turn, [user("hi")], "Hel")

    def broken(*args, **kwargs):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(store, "_add_totals", broken)
    with pytest.raises(RuntimeError):
        store.finish_turn(turn, [user("hi"), Message(role="assistant", content="Hello")], [("usage", {"n": 1})], {"status": "done", "prompt_tokens": 3})
    assert count(store, "messages") == 0 and count(store, "events") == 0
    row = store.db["turns"].get(turn)
    assert row["status"] == "running" and row["partial_text"] == "Hel"
    assert store.get(record.id).prompt_tokens == 0

    monkeypatch.undo()
    messages = store.messages(record.id)
    assert [(m.content, m.interrupted) for m in messages] == [("hi", False), ("Hel", True)]
    assert store.db["turns"].get(turn)["status"] == "interrupted"


def test_a_finished_turn_writes_messages_events_and_totals(store):
    record = store.create(mode="chat", model="offline")
    turn = store.begin_turn(record.id, user("hi there"), "chat", "offline")
    assert store.get(record.id).title == "hi there"
    store.finish_turn(
        turn, [user("hi there"), Message(role="assistant", content="Hello")], [("usage", {"prompt_tokens": 3})],
        {"status": "done", "prompt_tokens": 3, "completion_tokens": 2, "cost": 0.5},
    )
    assert [m.content for m in store.messages(record.id)] == ["hi there", "Hello"]
    assert count(store, "events") == 1
    session = store.get(record.id)
    assert (session.prompt_tokens, session.completion_tokens, session.cost) == (3, 2, 0.5)
    assert store.db["turns"].get(turn)["draft"] is None


async def test_a_store_failure_at_the_end_of_a_turn_ends_the_stream(store, monkeypatch):
    session = Session.open(Settings(model="offline"), store=store)

    def broken(*args, **kwargs):
        raise StoreError("the session database X is damaged")

    monkeypatch.setattr(store, "finish_turn", broken)

    async def consume() -> list:
        try:
            return [event async for event in session.send("hi")]
        except StoreError:
            return ["raised"]

    assert await asyncio.wait_for(consume(), 2)


def test_a_commit_that_fails_rolls_back_instead_of_leaving_the_write_lock_held(store, tmp_path):
    """A full disk may fail only at COMMIT (the WAL is written then): the transaction must not stay open."""
    from agentsh.store.db import write_transaction

    store.db.execute("PRAGMA defer_foreign_keys = ON")  # a broken reference fails only at COMMIT
    with pytest.raises(sqlite3.IntegrityError), write_transaction(store.db):
        store.db.execute("INSERT INTO turns (session_id, status) VALUES ('no such session', 'running')")
    assert not store.db.conn.in_transaction
    other = SessionStore(open_database(tmp_path / DB_FILENAME))
    other.db.execute("PRAGMA busy_timeout = 100")
    assert other.create(mode="chat", model="offline").id, "another writer gets the lock"
