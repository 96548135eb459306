"""Sessions, turns and their messages: the episodic log.

A turn is written twice: `begin_turn` commits a running row whose `draft` holds the
turn's messages so far (checkpointed as the turn goes), and `finish_turn` writes the
turn's messages and events in one transaction. A turn left running by a process that
died is recovered from its draft: its partial answer kept and marked interrupted, and
every tool call without a result given a synthetic one. Whether the writer died is asked of
the lock it holds (store/locks.py), so a turn from another host or container is recovered too.

A session's messages are in the order of their turns (`seq`), whatever order the turns
were written in: a turn written after a later-started one (recovered, or long) goes before it.
"""

from __future__ import annotations

import builtins
import json
import os
import secrets
import socket
import sqlite3
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from ..collection import collection_paused
from ..errors import StoreError
from ..messages import MESSAGES_ADAPTER, Message, repaired_history
from ..secrets import redact_secrets
from .db import refuse_if_read_only, write_transaction
from .locks import turn_locks
from .records import MESSAGE_COLUMNS, SessionRecord, message_from_row, message_row, now
from .usage import background_row, forget_usage, insert_background_usage, insert_usage, usage_rows

INTERRUPTED_TOOL_RESULT = "Error: the turn was interrupted before this tool call returned a result."
TITLE_LENGTH = 60
CHECKPOINT_PATIENCE = 0.05  # seconds a checkpoint waits for another writer before it is skipped (the next one saves more)


_ORIGIN = "COALESCE(origin, 'interactive')"


class SessionStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.host = socket.gethostname()
        self._locks = turn_locks(_database_file(db), db.conn)
        self._turn_locks: dict[int, str] = {}  # turn id -> lock token, for the turns this store runs

    def close(self, checkpoint: bool = True) -> None:
        """On a clean exit: fold the write-ahead log into the database and close, so SQLite removes its
        `-wal` and `-shm` files itself (when no other process has the database open). Never blocks on
        another process: a checkpoint that would wait is skipped, and the log stays for SQLite to fold later.
        Without `checkpoint`, only close: another connection of this process stays open (the service's), and
        SQLite folds the log when the last one closes."""
        try:
            if checkpoint:
                self.db.execute("PRAGMA busy_timeout = 0")
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # read-only (a damaged store opened to read), or another writer: nothing lost
            pass
        finally:
            self.db.conn.close()

    # sessions ---------------------------------------------------------------

    def new_record(self, **fields: Any) -> SessionRecord:
        """A session not yet written: `insert` it when it is first used."""
        stamp = now()
        return SessionRecord(id=fields.pop("session_id", None) or secrets.token_hex(6), created_at=stamp, updated_at=stamp, **fields)

    def insert(self, record: SessionRecord) -> SessionRecord:
        row = record.model_dump(exclude={"prompt_tokens", "completion_tokens", "cost", "consolidated_turns", "cached_tokens"})
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

    def latest(self, workspace: str | None = None) -> SessionRecord | None:
        """The most recently used session, or the latest of those started in `workspace` (see `workspace_of`)."""
        found = self.list(1, workspace)
        return found[0] if found else None

    def list(
        self, limit: int = 20, workspace: str | None = None, origin: str | None = None, interactive_first: bool = False,
    ) -> builtins.list[SessionRecord]:
        """The most recently used sessions first; only those started in `workspace` when it is given, only those
        of `origin` ("run" or "interactive": a session from before origins were kept counts as interactive);
        with `interactive_first`, the one-shot `agentsh run` sessions after the others."""
        conditions, values = [], []
        if workspace is not None:
            conditions.append("workspace = ?")
            values.append(workspace)
        if origin is not None:
            conditions.append(f"{_ORIGIN} = ?")
            values.append(origin)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        first = f"{_ORIGIN} = 'run', " if interactive_first else ""
        rows = self.db.query(f"SELECT * FROM sessions {where} ORDER BY {first}updated_at DESC, rowid DESC LIMIT ?", [*values, limit])
        return [SessionRecord.from_row(r) for r in rows]

    def update(self, session_id: str, **fields: Any) -> None:
        with write_transaction(self.db):
            self.db.table("sessions").update(session_id, {**_redacted(fields), "updated_at": now()})

    def restore_totals(self, session_id: str, original: SessionRecord) -> None:
        """Carry an imported session's totals, creation time and folder over unchanged."""
        with write_transaction(self.db):
            self.db.table("sessions").update(session_id, {
                "prompt_tokens": original.prompt_tokens, "completion_tokens": original.completion_tokens,
                "cached_tokens": original.cached_tokens, "workspace": original.workspace,
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
            record = self.create(
                mode=source.mode, model=source.model, title=title, parent_id=source.id, fork_point=cut, workspace=source.workspace,
            )
            self.add_messages(record.id, messages[:cut])
        return self.get(record.id)

    def delete(self, session_id: str) -> None:
        with write_transaction(self.db):
            forget_usage(self.db, session_id)
            for table in ("events", "messages", "compactions", "turns", "model_calls"):
                self.db.execute(f"DELETE FROM {table} WHERE session_id = ?", [session_id])
            self.db.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ?", [session_id])
            self.db.execute("DELETE FROM sessions WHERE id = ?", [session_id])

    def set_draft(self, session_id: str, text: str) -> None:
        """Keep the unsent input of a session (an empty text clears it); a draft counts as use of the session."""
        with write_transaction(self.db):
            if text:
                self.db.table("sessions").update(session_id, {"draft": text, "updated_at": now()})
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
            self.db.table("sessions").update(session_id, {"summary": redact_secrets(summary), "consolidated_turns": consolidated_turns})

    def add_usage(self, session_id: str, prompt_tokens: int, completion_tokens: int, cost: float | None, model: str = "", calls: int = 0) -> None:
        """Tokens spent for a session outside its turns (summaries, consolidation): in its totals, and in the
        spend over time (`agentsh stats`, the daily budget) as the mode "memory"."""
        summary = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "cost": cost}
        with write_transaction(self.db):
            self._add_totals(session_id, summary, touch=False)
            if calls:
                insert_background_usage(self.db, background_row(session_id, model, calls, (prompt_tokens, completion_tokens, 0), cost, now()))

    def spent(self, session_id: str | None = None, since: str | None = None) -> tuple[int, float, int]:
        """Tokens, known cost and how many unpriced parts (model calls, or the session's own totals) of one session,
        or of every model call since `since` (UTC ISO), the finished turns' and the background work's: a cost with
        unpriced parts is a lower bound, never a total."""
        if session_id:
            sql, values = "SELECT prompt_tokens + completion_tokens, cost, 1 - cost_known FROM sessions WHERE id = ?", [session_id]
        else:
            sql = """SELECT coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost), 0.0),
                            coalesce(sum(unpriced_calls), 0) FROM model_usage WHERE started_at >= ?"""
            values = [since or ""]
        tokens, cost, unpriced = self.db.execute(sql, values).fetchone() or (0, 0.0, 0)
        return int(tokens or 0), float(cost or 0.0), int(unpriced or 0)

    def finished_turns(self, session_id: str) -> int:
        return self.db.execute("SELECT count(*) FROM turns WHERE session_id = ? AND status != 'running'", [session_id]).fetchone()[0]

    def unconsolidated(self, idle_before: str = "9999", limit: int = 20, retry_unanswered: bool = True) -> builtins.list[SessionRecord]:
        """Sessions with turns consolidation has not read, untouched since `idle_before` (an ISO time; default: any);
        without `retry_unanswered`, not those whose turns all went unanswered at the last try (`note_unanswered`)."""
        sql = """SELECT s.* FROM sessions s WHERE s.updated_at < ? AND
                 (SELECT count(*) FROM turns t WHERE t.session_id = s.id AND t.status != 'running')
                   > max(s.consolidated_turns, CASE WHEN ? THEN 0 ELSE s.unanswered_turns END)
                 ORDER BY s.updated_at DESC LIMIT ?"""
        return [SessionRecord.from_row(r) for r in self.db.query(sql, [idle_before, int(retry_unanswered), limit])]

    def note_unanswered(self, session_id: str, finished_turns: int) -> None:
        """Consolidation got no valid answer for the session's first `finished_turns` turns."""
        with write_transaction(self.db):
            self.db.execute("UPDATE sessions SET unanswered_turns = ? WHERE id = ?", [finished_turns, session_id])

    # compaction -------------------------------------------------------------

    def add_compaction(self, session_id: str, covers: int, summary: str, tokens_before: int, tokens_after: int) -> None:
        """A summary that stands, in the model's context, for the session's first `covers` messages."""
        row = {
            "session_id": session_id, "covers": covers, "summary": summary,
            "tokens_before": tokens_before, "tokens_after": tokens_after, "created_at": now(),
        }
        with write_transaction(self.db):
            _insert_rows(self.db, "compactions", [row])

    def latest_compaction(self, session_id: str) -> tuple[int, str] | None:
        """(covers, summary) of the session's newest compaction."""
        row = self.db.execute(
            "SELECT covers, summary FROM compactions WHERE session_id = ? ORDER BY id DESC LIMIT 1", [session_id]
        ).fetchone()
        return (row[0], row[1]) if row else None

    # messages ---------------------------------------------------------------

    def messages(self, session_id: str) -> builtins.list[Message]:
        """The conversation as the model should see it, with dead turns recovered first.

        Repaired as read (`repaired_history`): sessions stored before tool-call ids were checked
        may repeat an id, which strict providers refuse.
        """
        return self.conversation(session_id)[0]

    def conversation(self, session_id: str) -> tuple[builtins.list[Message], int]:
        """`messages`, and how many stored rows they were read from (repair may add results: the count
        tells whether the store has changed since)."""
        self.recover(session_id)
        sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq"
        with collection_paused():  # a third of reading 10,000 messages went to collections
            rows = self.db.execute(sql, [session_id]).fetchall()
            messages = [message_from_row(r) for r in rows]
        return repaired_history(messages, lenient=True), len(rows)

    def recent_messages(self, session_id: str, limit: int) -> builtins.list[Message]:
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

    def _insert_messages(self, session_id: str, messages: builtins.list[Message], turn_id: int | None) -> None:
        start = self._place_of(session_id, turn_id, len(messages))
        _insert_rows(self.db, "messages", [message_row(m, session_id, turn_id, start + i) for i, m in enumerate(messages)])

    def _place_of(self, session_id: str, turn_id: int | None, count: int) -> int:
        """Where a turn's messages go: before those of turns started after it, else at the end."""
        later = None
        if turn_id is not None and self._has_later_turns(session_id, turn_id):
            sql = "SELECT min(seq) FROM messages WHERE session_id = ? AND turn_id > ?"
            later = self.db.execute(sql, [session_id, turn_id]).fetchone()[0]
        if later is None:
            return self.message_count(session_id)
        self._make_room(session_id, later, count)
        return later

    def _has_later_turns(self, session_id: str, turn_id: int) -> bool:
        sql = "SELECT 1 FROM turns WHERE session_id = ? AND id > ? AND status != 'running' LIMIT 1"
        return self.db.execute(sql, [session_id, turn_id]).fetchone() is not None

    def _make_room(self, session_id: str, at: int, count: int) -> None:
        """Move messages from `at` on `count` places later (through negative numbers: `seq` is unique),
        and the compactions that cover them with them."""
        self.db.execute("UPDATE messages SET seq = -1 - (seq + ?) WHERE session_id = ? AND seq >= ?", [count, session_id, at])
        self.db.execute("UPDATE messages SET seq = -1 - seq WHERE session_id = ? AND seq < 0", [session_id])
        self.db.execute("UPDATE compactions SET covers = covers + ? WHERE session_id = ? AND covers > ?", [count, session_id, at])

    def add_event(self, session_id: str, event_type: str, data: dict[str, Any], turn_id: int | None = None) -> None:
        with write_transaction(self.db):
            self._insert_events(session_id, turn_id, [(event_type, data)])

    def _insert_events(self, session_id: str, turn_id: int | None, events: builtins.list[tuple[str, dict]]) -> None:
        stamp = now()
        rows = [
            {"session_id": session_id, "turn_id": turn_id, "type": kind, "data": json.dumps(data, default=str), "created_at": stamp}
            for kind, data in events
        ]
        _insert_rows(self.db, "events", rows)

    def last_step(self, session_id: str, kinds: tuple[str, ...]) -> dict[str, Any] | None:
        """The data of this session's latest stored step of one of `kinds` (a plan, a replan...), or None."""
        marks = ", ".join("?" for _ in kinds)
        rows = self.db.execute(
            f"SELECT data FROM events WHERE session_id = ? AND type = 'step' AND json_extract(data, '$.kind') IN ({marks}) "
            "ORDER BY id DESC LIMIT 1", [session_id, *kinds],
        ).fetchall()
        return json.loads(rows[0][0]) if rows else None

    # turns ------------------------------------------------------------------

    def begin_turn(self, session_id: str, user_message: Message, mode: str, model: str) -> int:
        """Commit a running turn, its lock held (before the row exists) until `finish_turn`."""
        refuse_if_read_only(self.db)
        lock = self._locks.hold()
        row = {
            "session_id": session_id, "status": "running", "mode": mode, "model": model, "started_at": now(),
            "pid": os.getpid(), "host": self.host, "lock": lock, "draft": _dump([user_message]), "partial_text": "",
        }
        try:
            with write_transaction(self.db):
                turn_id = _insert_rows(self.db, "turns", [row])
                self._set_title_if_missing(session_id, user_message.typed)  # not the files its @mentions attached
        except BaseException:
            self._locks.release(lock)
            raise
        assert turn_id is not None  # one row: its rowid
        self._turn_locks[turn_id] = lock
        return turn_id

    def checkpoint(self, turn_id: int, messages: builtins.list[Message], partial_text: str) -> None:
        """Save a running turn's progress, for recovery after a crash; StoreError when it cannot be saved now.
        `messages` start with the user's, which `begin_turn` saved: only those after it are written."""
        with write_transaction(self.db, patience=CHECKPOINT_PATIENCE):
            _update_turn(self.db, turn_id, {"draft_steps": _dump(messages[1:]), "partial_text": partial_text})

    def checkpoint_text(self, turn_id: int, partial_text: str) -> None:
        """Save the answer streamed so far, the messages saved by the last `checkpoint` (or `begin_turn`) unchanged."""
        with write_transaction(self.db, patience=CHECKPOINT_PATIENCE):
            _update_turn(self.db, turn_id, {"partial_text": partial_text})

    def finish_turn(self, turn_id: int, messages: builtins.list[Message], events: builtins.list[tuple[str, dict]], summary: dict[str, Any]) -> None:
        """Write the whole turn, its events and the session totals in one transaction."""
        found = self.db.execute("SELECT id, session_id, mode, model, started_at FROM turns WHERE id = ?", [turn_id]).fetchone()
        if found is None:
            raise _turn_gone(turn_id)
        turn = dict(zip(("id", "session_id", "mode", "model", "started_at"), found, strict=True))
        session_id = turn["session_id"]
        try:
            with write_transaction(self.db):
                self._insert_messages(session_id, messages, turn_id)
                self._insert_events(session_id, turn_id, events)
                insert_usage(self.db, usage_rows(events, turn))
                _update_turn(self.db, turn_id, {**summary, "draft": None, "draft_steps": None, "partial_text": None, "ended_at": now()})
                self._add_totals(session_id, summary)
        finally:  # if the write failed, recovery saves the draft
            self._locks.release(self._turn_locks.pop(turn_id, ""))

    def _add_totals(self, session_id: str, summary: dict[str, Any], touch: bool = True) -> None:
        cost_known = 0 if summary.get("cost") is None else 1
        self.db.execute(
            """UPDATE sessions SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
               cached_tokens = cached_tokens + ?, cost = cost + ?, cost_known = cost_known * ?,
               updated_at = coalesce(?, updated_at) WHERE id = ?""",
            [summary.get("prompt_tokens", 0), summary.get("completion_tokens", 0), summary.get("cached_tokens", 0),
             summary.get("cost") or 0.0, cost_known, now() if touch else None, session_id],
        )

    def _set_title_if_missing(self, session_id: str, text: str) -> None:
        title = " ".join(redact_secrets(text[: TITLE_LENGTH * 64]).split())[:TITLE_LENGTH]  # not all of a 1 MB paste
        if title:
            self.db.execute("UPDATE sessions SET title = ? WHERE id = ? AND title IS NULL", [title, session_id])

    # recovery ---------------------------------------------------------------

    def recover(self, session_id: str | None = None) -> int:
        """Close every turn whose process is gone; returns how many were recovered (none in a read-only home)."""
        if getattr(self.db.conn, "read_only", False):
            return 0
        sql = "SELECT * FROM turns WHERE status = 'running'" + (" AND session_id = ?" if session_id else "")
        recovered = 0
        for turn in list(self.db.query(sql, [session_id] if session_id else [])):
            if turn["lock"] is None:
                recovered += self._recover_unlocked(turn)
                continue
            with self._locks.claim(turn["lock"]) as writer_gone:
                if writer_gone:
                    recovered += self._recover_turn(turn)
        return recovered

    def _recover_unlocked(self, turn: dict[str, Any]) -> bool:
        """A turn written before turns held locks: judged by its host and pid, as then."""
        if turn["host"] != self.host or not _pid_gone(turn["pid"]):
            return False
        return self._recover_turn(turn)

    def _recover_turn(self, turn: dict[str, Any]) -> bool:
        saved = _load(turn["draft"]) + _load(turn.get("draft_steps"))  # draft_steps: NULL in a turn begun before m016
        messages = repair_history(saved, turn["partial_text"] or "")
        with write_transaction(self.db):
            current = self.db.table("turns").get(turn["id"])
            if current["status"] != "running":
                return False
            self._insert_messages(turn["session_id"], messages, turn["id"])
            self.db.table("turns").update(turn["id"], {"status": "interrupted", "draft": None, "draft_steps": None, "partial_text": None, "ended_at": now()})
        return True


def repair_history(messages: list[Message], partial_text: str = "", budget_limited: bool = False) -> list[Message]:
    """Make a cut-off turn valid to send again: results for dangling tool calls, partial text kept
    (marked interrupted, or budget-limited when a spent budget stopped the turn)."""
    repaired: list[Message] = []
    answered = {m.tool_call_id for m in messages if m.role == "tool"}
    for message in messages:
        repaired.append(message)
        for call in message.tool_calls:
            if call.id not in answered:
                repaired.append(Message(role="tool", content=INTERRUPTED_TOOL_RESULT, tool_call_id=call.id, name=call.name))
    if partial_text:
        repaired.append(Message(role="assistant", content=partial_text, interrupted=not budget_limited, budget_limited=budget_limited))
    return repaired


def _insert_rows(db: Database, table: str, rows: list[dict[str, Any]]) -> int | None:
    """INSERT rows that share their keys; returns the last rowid. (sqlite-utils re-reads the schema on every call.)

    Every text column is redacted first: this is where messages, events, drafts and titles are stored.
    """
    if not rows:
        return None
    rows = [_redacted(row) for row in rows]
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    if len(rows) == 1:
        return db.execute(sql, [rows[0][c] for c in columns]).lastrowid
    db.conn.executemany(sql, [[row[c] for c in columns] for row in rows])
    return None


def _update_turn(db: Database, turn_id: int, values: dict[str, Any]) -> None:
    values = _redacted(values)
    sql = f"UPDATE turns SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?"
    if db.execute(sql, [*values.values(), turn_id]).rowcount == 0:
        raise _turn_gone(turn_id)


def _redacted(row: dict[str, Any]) -> dict[str, Any]:
    return {key: redact_secrets(value) if isinstance(value, str) else value for key, value in row.items()}


def _turn_gone(turn_id: int) -> StoreError:
    """A running turn's row vanished: its session was deleted meanwhile (`agentsh sessions delete`)."""
    return StoreError(f"its session was deleted from the session database while it ran (turn {turn_id})")


def _pid_gone(pid: int) -> bool:
    """No process has this pid here, or it is ours (every turn this process runs holds a lock)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _database_file(db: Database) -> str:
    """The main database file ("" when in memory)."""
    main = [row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main"]
    return main[0] if main else ""


def _dump(messages: list[Message]) -> str:
    return MESSAGES_ADAPTER.dump_json(messages).decode()


def _load(text: str | None) -> list[Message]:
    return MESSAGES_ADAPTER.validate_json(text) if text else []
