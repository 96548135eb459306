"""Sessions, turns and their messages: the episodic log.

A turn is written twice: `begin_turn` commits a running row whose `draft` holds the
turn's messages so far (checkpointed as the turn goes), and `finish_turn` writes the
turn's messages and events in one transaction. A turn left running by a process that
died is recovered from its draft: its partial answer kept and marked interrupted, and
every tool call without a result given a synthetic one.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from typing import Any, Iterable

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from ..errors import StoreError
from ..messages import MESSAGES_ADAPTER, Message
from .db import write_transaction
from .records import MESSAGE_COLUMNS, SessionRecord, message_from_row, message_row, now

INTERRUPTED_TOOL_RESULT = "Error: the turn was interrupted before this tool call returned a result."
TITLE_LENGTH = 60

# (database, turn id) of the turns this process is running: a running turn with our pid that
# is not here was left by an earlier process that had the same pid (common in containers).
_LIVE_TURNS: set[tuple[str, int]] = set()


class SessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.host = socket.gethostname()
        self._db_key = _database_key(db)

    # sessions ---------------------------------------------------------------

    def new_record(self, **fields: Any) -> SessionRecord:
        """A session not yet written: `insert` it when it is first used."""
        stamp = now()
        return SessionRecord(id=fields.pop("session_id", None) or secrets.token_hex(6), created_at=stamp, updated_at=stamp, **fields)

    def insert(self, record: SessionRecord) -> SessionRecord:
        row = record.model_dump(exclude={"prompt_tokens", "completion_tokens", "cost", "consolidated_turns"})
        with write_transaction(self.db):
            _insert_rows(self.db, "sessions", [row])
        return self.get(record.id)

    def create(self, **fields: Any) -> SessionRecord:
        return self.insert(self.new_record(**fields))

    def exists(self, session_id: str) -> bool:
        return bool(list(self.db.query("SELECT 1 FROM sessions WHERE id = ?", [session_id])))

    def get(self, id_or_prefix: str) -> SessionRecord:
        """The session with this id, else the only one whose id starts with it."""
        prefix = id_or_prefix.strip()
        exact = list(self.db.query("SELECT * FROM sessions WHERE id = ?", [prefix])) if prefix else []
        rows = exact or self._with_prefix(prefix)
        if len(rows) == 1:
            return SessionRecord.from_row(rows[0])
        if not rows:
            raise StoreError(f"no session with id {id_or_prefix!r}; `agentsh sessions list` shows them")
        candidates = ", ".join(f"{r['id']} ({r['title'] or 'untitled'})" for r in rows[:5])
        raise StoreError(f"session id {id_or_prefix!r} is ambiguous; it could be: {candidates}" + (", ..." if len(rows) > 5 else ""))

    def _with_prefix(self, prefix: str) -> list[dict[str, Any]]:
        if not prefix:
            return []
        sql = "SELECT * FROM sessions WHERE substr(id, 1, ?) = ? ORDER BY updated_at DESC LIMIT 6"
        return list(self.db.query(sql, [len(prefix), prefix]))

    def latest(self) -> SessionRecord | None:
        rows = list(self.db.query("SELECT * FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1"))
        return SessionRecord.from_row(rows[0]) if rows else None

    def list(self, limit: int = 20) -> list[SessionRecord]:
        rows = self.db.query("SELECT * FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT ?", [limit])
        return [SessionRecord.from_row(r) for r in rows]

    def update(self, session_id: str, **fields: Any) -> None:
        with write_transaction(self.db):
            self.db["sessions"].update(session_id, {**fields, "updated_at": now()})

    def restore_totals(self, session_id: str, original: SessionRecord) -> None:
        """Carry an imported session's totals and creation time over unchanged."""
        with write_transaction(self.db):
            self.db["sessions"].update(session_id, {
                "prompt_tokens": original.prompt_tokens, "completion_tokens": original.completion_tokens,
                "cost": original.cost or 0.0, "cost_known": int(original.cost is not None),
                "created_at": original.created_at, "updated_at": original.updated_at,
            })

    def fork(self, session_id: str, at: int | None = None) -> SessionRecord:
        """A new session sharing the first `at` messages (all by default); a tool call keeps its results."""
        source = self.get(session_id)
        messages = self.messages(source.id)
        cut = len(messages) if at is None else max(0, min(at, len(messages)))
        while cut < len(messages) and messages[cut].role == "tool":
            cut += 1
        title = f"{source.title or 'untitled'} (fork)"
        with write_transaction(self.db):
            record = self.create(mode=source.mode, model=source.model, title=title, parent_id=source.id, fork_point=cut)
            self.add_messages(record.id, messages[:cut])
        return self.get(record.id)

    def delete(self, session_id: str) -> None:
        with write_transaction(self.db):
            for table in ("events", "messages", "compactions", "turns"):
                self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", [session_id])
            self.db.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ?", [session_id])
            self.db.execute("DELETE FROM sessions WHERE id = ?", [session_id])

    def set_draft(self, session_id: str, text: str) -> None:
        """Keep the unsent input of a session (an empty text clears it); a draft counts as use of the session."""
        with write_transaction(self.db):
            if text:
                self.db.execute("UPDATE sessions SET draft = ?, updated_at = ? WHERE id = ?", [text, now(), session_id])
            else:
                self.db.execute("UPDATE sessions SET draft = NULL WHERE id = ?", [session_id])

    def take_draft(self, session_id: str) -> str:
        """The session's unsent input, cleared from the store as it is handed back."""
        with write_transaction(self.db):
            row = self.db.execute("SELECT draft FROM sessions WHERE id = ?", [session_id]).fetchone()
            if row and row[0]:
                self.db.execute("UPDATE sessions SET draft = NULL WHERE id = ?", [session_id])
        return row[0] if row and row[0] else ""

    def set_summary(self, session_id: str, summary: str, consolidated_turns: int) -> None:
        """Record a session's summary and how many of its turns consolidation has read (updated_at unchanged)."""
        with write_transaction(self.db):
            self.db["sessions"].update(session_id, {"summary": summary, "consolidated_turns": consolidated_turns})

    def add_usage(self, session_id: str, prompt_tokens: int, completion_tokens: int, cost: float | None) -> None:
        """Tokens spent for a session outside its turns (summaries, consolidation)."""
        summary = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "cost": cost}
        with write_transaction(self.db):
            self._add_totals(session_id, summary, touch=False)

    def finished_turns(self, session_id: str) -> int:
        return self.db.execute("SELECT count(*) FROM turns WHERE session_id = ? AND status != 'running'", [session_id]).fetchone()[0]

    def unconsolidated(self, idle_before: str = "9999", limit: int = 20) -> list[SessionRecord]:
        """Sessions with turns consolidation has not read, untouched since `idle_before` (an ISO time; default: any)."""
        sql = """SELECT s.* FROM sessions s WHERE s.updated_at < ? AND
                 (SELECT count(*) FROM turns t WHERE t.session_id = s.id AND t.status != 'running') > s.consolidated_turns
                 ORDER BY s.updated_at DESC LIMIT ?"""
        return [SessionRecord.from_row(r) for r in self.db.query(sql, [idle_before, limit])]

    # compaction -------------------------------------------------------------

    def add_compaction(self, session_id: str, covers: int, summary: str, tokens_before: int, tokens_after: int) -> None:
        """A summary that stands, in the model's context, for the session's first `covers` messages."""
        row = {
            "session_id": session_id, "covers": covers, "summary": summary,
            "tokens_before": tokens_before, "tokens_after": tokens_after, "created_at": now(),
        }
        with write_transaction(self.db):
            self.db["compactions"].insert(row)

    def latest_compaction(self, session_id: str) -> tuple[int, str] | None:
        """(covers, summary) of the session's newest compaction."""
        row = self.db.execute(
            "SELECT covers, summary FROM compactions WHERE session_id = ? ORDER BY id DESC LIMIT 1", [session_id]
        ).fetchone()
        return (row[0], row[1]) if row else None

    # messages ---------------------------------------------------------------

    def messages(self, session_id: str) -> list[Message]:
        """The conversation as the model should see it, with dead turns recovered first."""
        self.recover(session_id)
        rows = self.db.execute(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq", [session_id])
        return [message_from_row(r) for r in rows.fetchall()]

    def recent_messages(self, session_id: str, limit: int) -> list[Message]:
        """The newest `limit` messages, oldest first (dead turns recovered first)."""
        self.recover(session_id)
        sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq DESC LIMIT ?"
        rows = self.db.execute(sql, [session_id, limit]).fetchall()
        return [message_from_row(r) for r in reversed(rows)]

    def message_count(self, session_id: str) -> int:
        return self.db.execute("SELECT count(*) FROM messages WHERE session_id = ?", [session_id]).fetchone()[0]

    def add_messages(self, session_id: str, messages: Iterable[Message], turn_id: int | None = None) -> None:
        with write_transaction(self.db):
            self._insert_messages(session_id, list(messages), turn_id)

    def _insert_messages(self, session_id: str, messages: list[Message], turn_id: int | None) -> None:
        start = self.message_count(session_id)
        _insert_rows(self.db, "messages", [message_row(m, session_id, turn_id, start + i) for i, m in enumerate(messages)])

    def add_event(self, session_id: str, event_type: str, data: dict[str, Any], turn_id: int | None = None) -> None:
        with write_transaction(self.db):
            self._insert_events(session_id, turn_id, [(event_type, data)])

    def _insert_events(self, session_id: str, turn_id: int | None, events: list[tuple[str, dict]]) -> None:
        stamp = now()
        rows = [
            {"session_id": session_id, "turn_id": turn_id, "type": kind, "data": json.dumps(data, default=str), "created_at": stamp}
            for kind, data in events
        ]
        _insert_rows(self.db, "events", rows)

    # turns ------------------------------------------------------------------

    def begin_turn(self, session_id: str, user_message: Message, mode: str, model: str) -> int:
        row = {
            "session_id": session_id, "status": "running", "mode": mode, "model": model, "started_at": now(),
            "pid": os.getpid(), "host": self.host, "draft": _dump([user_message]), "partial_text": "",
        }
        with write_transaction(self.db):
            turn_id = _insert_rows(self.db, "turns", [row])
            self._set_title_if_missing(session_id, user_message.content)
        _LIVE_TURNS.add((self._db_key, turn_id))
        return turn_id

    def checkpoint(self, turn_id: int, messages: list[Message], partial_text: str) -> None:
        with write_transaction(self.db):
            _update_row(self.db, "turns", turn_id, {"draft": _dump(messages), "partial_text": partial_text})

    def finish_turn(self, turn_id: int, messages: list[Message], events: list[tuple[str, dict]], summary: dict[str, Any]) -> None:
        """Write the whole turn, its events and the session totals in one transaction."""
        found = self.db.execute("SELECT session_id FROM turns WHERE id = ?", [turn_id]).fetchone()
        if found is None:
            raise NotFoundError(turn_id)
        session_id = found[0]
        try:
            with write_transaction(self.db):
                self._insert_messages(session_id, messages, turn_id)
                self._insert_events(session_id, turn_id, events)
                _update_row(self.db, "turns", turn_id, {**summary, "draft": None, "partial_text": None, "ended_at": now()})
                self._add_totals(session_id, summary)
        finally:
            _LIVE_TURNS.discard((self._db_key, turn_id))  # if the write failed, recovery saves the draft

    def _add_totals(self, session_id: str, summary: dict[str, Any], touch: bool = True) -> None:
        cost_known = 0 if summary.get("cost") is None else 1
        self.db.execute(
            """UPDATE sessions SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
               cost = cost + ?, cost_known = cost_known * ?, updated_at = coalesce(?, updated_at) WHERE id = ?""",
            [summary.get("prompt_tokens", 0), summary.get("completion_tokens", 0), summary.get("cost") or 0.0, cost_known,
             now() if touch else None, session_id],
        )

    def _set_title_if_missing(self, session_id: str, text: str) -> None:
        title = " ".join(text[: TITLE_LENGTH * 64].split())[:TITLE_LENGTH]  # not all of a 1 MB paste
        if title:
            self.db.execute("UPDATE sessions SET title = ? WHERE id = ? AND title IS NULL", [title, session_id])

    # recovery ---------------------------------------------------------------

    def recover(self, session_id: str | None = None) -> int:
        """Close every turn whose process is gone; returns how many were recovered."""
        sql = "SELECT * FROM turns WHERE status = 'running'" + (" AND session_id = ?" if session_id else "")
        dead = [t for t in self.db.query(sql, [session_id] if session_id else []) if not self._alive(t)]
        for turn in dead:
            self._recover_turn(turn)
        return len(dead)

    def _alive(self, turn: dict[str, Any]) -> bool:
        if turn["host"] != self.host:
            return True
        if turn["pid"] == os.getpid():
            return (self._db_key, turn["id"]) in _LIVE_TURNS
        try:
            os.kill(turn["pid"], 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _recover_turn(self, turn: dict[str, Any]) -> None:
        messages = repair_history(_load(turn["draft"]), turn["partial_text"] or "")
        with write_transaction(self.db):
            current = self.db["turns"].get(turn["id"])
            if current["status"] != "running":
                return
            self._insert_messages(turn["session_id"], messages, turn["id"])
            self.db["turns"].update(turn["id"], {"status": "interrupted", "draft": None, "partial_text": None, "ended_at": now()})


def repair_history(messages: list[Message], partial_text: str = "") -> list[Message]:
    """Make a cut-off turn valid to send again: results for dangling tool calls, partial text kept."""
    repaired: list[Message] = []
    answered = {m.tool_call_id for m in messages if m.role == "tool"}
    for message in messages:
        repaired.append(message)
        for call in message.tool_calls:
            if call.id not in answered:
                repaired.append(Message(role="tool", content=INTERRUPTED_TOOL_RESULT, tool_call_id=call.id, name=call.name))
    if partial_text:
        repaired.append(Message(role="assistant", content=partial_text, interrupted=True))
    return repaired


def _insert_rows(db: Database, table: str, rows: list[dict[str, Any]]) -> int | None:
    """INSERT rows that share their keys; returns the last rowid. (sqlite-utils re-reads the schema on every call.)"""
    if not rows:
        return None
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    if len(rows) == 1:
        return db.execute(sql, [rows[0][c] for c in columns]).lastrowid
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])
    return None


def _update_row(db: Database, table: str, row_id: int, values: dict[str, Any]) -> None:
    sql = f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?"
    if db.execute(sql, [*values.values(), row_id]).rowcount == 0:
        raise NotFoundError(row_id)


def _database_key(db: Database) -> str:
    """The main database file, so every store on one file agrees on which turns are live."""
    main = [row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main"]
    return main[0] if main and main[0] else f":memory:{id(db.conn)}"


def _dump(messages: list[Message]) -> str:
    return MESSAGES_ADAPTER.dump_json(messages).decode()


def _load(text: str | None) -> list[Message]:
    return MESSAGES_ADAPTER.validate_json(text) if text else []
