"""A message longer than search indexes (SEARCH_INDEX_LIMIT characters) is stored whole; search finds words in its
first part, and deleting it leaves nothing of it in the index."""

from __future__ import annotations

from sqlite_utils import Database

from agentsh.messages import Message, user
from agentsh.store import migrations as schema
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.search import SEARCH_INDEX_LIMIT, search_messages
from agentsh.store.sessions import SessionStore

FILLER = "filler " * (SEARCH_INDEX_LIMIT // 7)
TEXT = f"openingword {FILLER} closingword"  # the last word lies past the indexed part


def store_turn(store: SessionStore, text: str) -> str:
    record = store.create(mode="chat", model="offline")
    turn = store.begin_turn(record.id, user(text), "chat", "offline")
    store.finish_turn(turn, [user(text), Message(role="assistant", content="answered")], [], {"status": "done"})
    return record.id


def indexed_terms(db: Database) -> set[str]:
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.terms USING fts5vocab(main, messages_fts, row)")
    return {row[0] for row in db.execute("SELECT term FROM temp.terms")}


def test_a_long_message_is_stored_whole_and_found_by_its_first_words():
    store = SessionStore(open_database(":memory:"))
    session_id = store_turn(store, TEXT)

    assert store.messages(session_id)[0].content == TEXT
    assert [hit.session_id for hit in search_messages(store.db, "openingword")] == [session_id]
    assert search_messages(store.db, "closingword") == []  # past the indexed part, as README says


def test_deleting_a_long_message_removes_it_from_the_index():
    store = SessionStore(open_database(":memory:"))
    session_id = store_turn(store, TEXT)
    assert "openingword" in indexed_terms(store.db)

    store.delete(session_id)
    assert "openingword" not in indexed_terms(store.db)
    assert "filler" not in indexed_terms(store.db)


def test_a_database_from_before_the_limit_is_indexed_again_the_same_way(tmp_path):
    old = Database(tmp_path / DB_FILENAME)
    schema.migrations.apply(old, stop_before="m015_bench_search_index_prefix")
    session_id = "s1"  # written as that version wrote it
    old.execute("INSERT INTO sessions (id, mode, model, created_at, updated_at) VALUES (?, 'chat', 'offline', '', '')", [session_id])
    old.execute("INSERT INTO messages (session_id, seq, role, content) VALUES (?, 0, 'user', ?)", [session_id, TEXT])
    old.conn.commit()
    assert "closingword" in indexed_terms(old)  # indexed whole, before the migration
    old.conn.close()

    store = SessionStore(open_database(tmp_path / DB_FILENAME))
    assert "closingword" not in indexed_terms(store.db)
    assert [hit.session_id for hit in search_messages(store.db, "openingword")] == [session_id]
    store.delete(session_id)
    assert "openingword" not in indexed_terms(store.db)
