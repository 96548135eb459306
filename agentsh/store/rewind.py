"""Going back in a session: its user messages, and cutting it short (/retry, /edit, /rewind).

Messages are addressed by `seq`, their place in the session, so a turn's messages and the
turns started after it go together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .db import write_transaction
from .records import SessionRecord, now
from .sessions import SessionStore


@dataclass(frozen=True)
class UserMessage:
    seq: int
    turn_id: int | None  # None for messages copied into a fork
    content: str


def user_messages(store: SessionStore, session_id: str) -> list[UserMessage]:
    """The session's user messages, oldest first: where each turn starts."""
    store.recover(session_id)
    sql = "SELECT seq, turn_id, content FROM messages WHERE session_id = ? AND role = 'user' ORDER BY seq"
    return [UserMessage(seq, turn_id, content or "") for seq, turn_id, content in store.db.execute(sql, [session_id]).fetchall()]


def has_running_turn(store: SessionStore, session_id: str) -> bool:
    """A turn of this session is running, here or in another process (dead ones are recovered first)."""
    store.recover(session_id)
    sql = "SELECT 1 FROM turns WHERE session_id = ? AND status = 'running' LIMIT 1"
    return store.db.execute(sql, [session_id]).fetchone() is not None


def turns_from(store: SessionStore, session_id: str, seq: int) -> set[int]:
    """The turns whose messages start at or after `seq`."""
    sql = "SELECT DISTINCT turn_id FROM messages WHERE session_id = ? AND seq >= ? AND turn_id IS NOT NULL"
    return {row[0] for row in store.db.execute(sql, [session_id, seq]).fetchall()}


def keep_as_fork(store: SessionStore, session_id: str, title: str) -> SessionRecord:
    """A copy of the whole session, titled `title`, dated when the session was last used: the session
    itself, about to be cut short and go on, stays the latest (`agentsh -c`)."""
    source = store.get(session_id)
    fork = store.fork(session_id)
    stamp = min(source.updated_at, _a_moment_before(now()))  # strictly earlier than the session's next stamp
    with write_transaction(store.db):
        store.db.execute("UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?", [title, stamp, fork.id])
    return store.get(fork.id)


def _a_moment_before(stamp: str) -> str:
    return (datetime.fromisoformat(stamp) - timedelta(milliseconds=1)).isoformat(timespec="milliseconds")


def truncate_session(store: SessionStore, session_id: str, seq: int) -> None:
    """Keep only the messages before `seq`: later ones go with their turns, events and the compactions covering them."""
    db = store.db
    turn_ids = sorted(turns_from(store, session_id, seq))
    with write_transaction(db):
        db.execute("DELETE FROM messages WHERE session_id = ? AND seq >= ?", [session_id, seq])
        for turn_id in turn_ids:
            db.execute("DELETE FROM events WHERE turn_id = ?", [turn_id])
            db.execute("DELETE FROM model_calls WHERE turn_id = ?", [turn_id])  # the next turn may be given the same id
            db.execute("DELETE FROM turns WHERE id = ?", [turn_id])
        kept = db.execute("SELECT count(*) FROM messages WHERE session_id = ?", [session_id]).fetchone()[0]
        db.execute("DELETE FROM compactions WHERE session_id = ? AND covers > ?", [session_id, kept])
        finished = "(SELECT count(*) FROM turns WHERE session_id = ? AND status != 'running')"
        db.execute(
            f"UPDATE sessions SET consolidated_turns = min(consolidated_turns, {finished}), updated_at = ? WHERE id = ?",
            [session_id, now(), session_id],
        )
