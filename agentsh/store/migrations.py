"""The schema, only ever changed by appending a named migration below.

Never edit or reorder a migration that has shipped: add a new one.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..errors import StoreError
from .db import write_transaction

migrations = Migrations("agentsh")


@migrations()
def m001_sessions(db: Database) -> None:
    db.table("sessions").create(
        {
            "id": str, "title": str, "mode": str, "model": str, "parent_id": str, "fork_point": int,
            "created_at": str, "updated_at": str,
            "prompt_tokens": int, "completion_tokens": int, "cost": float, "cost_known": int,
        },
        pk="id",
        foreign_keys=[("parent_id", "sessions", "id")],
        defaults={"prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0, "cost_known": 1},
    )
    db.table("sessions").create_index(["updated_at"])
    db.table("turns").create(
        {
            "id": int, "session_id": str, "status": str, "mode": str, "model": str,
            "started_at": str, "ended_at": str, "pid": int, "host": str,
            "draft": str, "partial_text": str,
            "prompt_tokens": int, "completion_tokens": int, "cost": float, "model_calls": int,
            "step_limited": int, "error": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        defaults={"prompt_tokens": 0, "completion_tokens": 0, "model_calls": 0, "step_limited": 0},
    )
    db.table("turns").create_index(["session_id", "id"])
    db.table("turns").create_index(["status"])
    db.table("messages").create(
        {
            "id": int, "session_id": str, "turn_id": int, "seq": int, "role": str, "content": str,
            "tool_calls": str, "tool_call_id": str, "name": str,
            "interrupted": int, "step_limited": int, "created_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("turn_id", "turns", "id")],
        defaults={"interrupted": 0, "step_limited": 0},
    )
    db.table("messages").create_index(["session_id", "seq"], unique=True)
    db.table("messages").enable_fts(["content"], create_triggers=True, tokenize="porter")
    db.table("events").create(
        {"id": int, "session_id": str, "turn_id": int, "type": str, "data": str, "created_at": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id"), ("turn_id", "turns", "id")],
    )
    db.table("events").create_index(["session_id", "id"])



@migrations()
def m002_memory(db: Database) -> None:
    """Long-term memories, session summaries, and the summaries that stand for compacted turns."""
    db.table("memories").create(
        {
            "id": int, "text": str, "normalized": str, "kind": str, "tags": str, "importance": int, "pinned": int,
            "source_session_id": str, "created_at": str, "updated_at": str, "last_recalled_at": str,
        },
        pk="id",
        defaults={"kind": "fact", "tags": "", "importance": 3, "pinned": 0},
    )
    db.table("memories").create_index(["normalized"], unique=True)
    db.table("memories").create_index(["pinned"])
    db.table("memories").enable_fts(["text", "tags"], create_triggers=True, tokenize="porter")
    db.table("sessions").add_column("summary", str)
    db.table("sessions").add_column("consolidated_turns", int, not_null_default=0)
    db.table("sessions").enable_fts(["title", "summary"], create_triggers=True, tokenize="porter")
    db.table("compactions").create(
        {
            "id": int, "session_id": str, "covers": int, "summary": str,
            "tokens_before": int, "tokens_after": int, "created_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("compactions").create_index(["session_id", "id"])


@migrations()
def m003_memory_vocabulary(db: Database) -> None:
    """Word counts over the memories, so that recall can leave out words most memories contain."""
    db.execute("CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'row')")


@migrations()
def m004_turn_locks(db: Database) -> None:
    """The lock file a running turn's writer holds (store/locks.py): alive or not, whatever its host."""
    db.table("turns").add_column("lock", str)


@migrations()
def m005_session_draft(db: Database) -> None:
    """What was typed or queued but not sent when the app quit: it comes back when the session is resumed."""
    db.table("sessions").add_column("draft", str)


@migrations()
def m006_session_workspace(db: Database) -> None:
    """The folder a session was started in: `agentsh -c` continues the latest one started here."""
    db.table("sessions").add_column("workspace", str)
    db.table("sessions").create_index(["workspace", "updated_at"])


@migrations()
def m007_cached_input_tokens(db: Database) -> None:
    """Input tokens the provider served from its prompt cache, per turn and per session."""
    db.table("sessions").add_column("cached_tokens", int, not_null_default=0)
    db.table("turns").add_column("cached_tokens", int, not_null_default=0)


@migrations()
def m008_message_attachments(db: Database) -> None:
    """What a user message's @mentions attached (JSON), so a resumed session shows it."""
    db.table("messages").add_column("attachments", str)


@migrations()
def m009_model_formats(db: Database) -> None:
    """Per model, the structured-output level its provider accepts (store/formats.py)."""
    db.table("model_formats").create({"model": str, "level": str, "updated_at": str}, pk="model")


@migrations()
def m010_cut_answers(db: Database) -> None:
    """Answers the model stopped at its token cap (finish_reason "length"), so a resumed session shows them as cut."""
    db.table("messages").add_column("cut", int, not_null_default=0)
    db.table("turns").add_column("cut", int, not_null_default=0)


@migrations()
def m011_tui_session_origin(db: Database) -> None:
    """Where a session was started: "run" (one-shot `agentsh run`) or "interactive" (the app, --plain); NULL before."""
    db.table("sessions").add_column("origin", str)


def known_migrations() -> list[str]:
    """The names of every migration this agentsh has, in order: all a fresh database would apply."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def refuse_newer_schema(db: Database, path: Path | str) -> None:
    """A migration this agentsh does not know means a newer agentsh wrote the file: never downgrade it."""
    known = set(known_migrations())
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
    if unknown:
        raise StoreError(
            f"the session database {path} was written by a newer agentsh (schema {unknown[-1]}); "
            "upgrade agentsh to use it"
        )


def migrate(db: Database, path: Path | str) -> None:
    """Apply pending migrations in one write transaction; refuse a newer schema."""
    refuse_newer_schema(db, path)
    if not migrations.pending(db):
        return
    with write_transaction(db):
        migrations.apply(db)


def schema_version(db: Database) -> str | None:
    applied = migrations.applied(db)
    return applied[-1].name if applied else None
