"""The schema, only ever changed by appending a named migration below.

Never edit or reorder a migration that has shipped: add a new one.
"""

from __future__ import annotations

import functools
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from ..errors import StoreError
from .db import write_transaction
from .search import SEARCH_INDEX_LIMIT

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
def m011_stats_model_usage(db: Database) -> None:
    """Spend per turn and model (store/usage.py): model calls, tokens in/out/cached, the known cost and how many
    calls litellm could not price; clustered by start time. And the same summed per quarter hour, model and mode
    (`usage_rollup`), which `agentsh stats` reads unless it is asked about sessions: a day in any time zone is
    made of whole quarter hours.
    `first_of_turn` marks one row per turn, so turns are counted without a DISTINCT.
    Filled from the usage events of the turns already stored."""
    db.execute(
        """CREATE TABLE model_usage (
            started_at TEXT NOT NULL, turn_id INTEGER NOT NULL, model TEXT NOT NULL,
            session_id TEXT NOT NULL REFERENCES sessions(id), mode TEXT NOT NULL,
            calls INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0, unpriced_calls INTEGER NOT NULL DEFAULT 0,
            first_of_turn INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (started_at, turn_id, model)
        ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX idx_model_usage_session ON model_usage (session_id, started_at)")
    db.execute(
        """CREATE TABLE usage_rollup (
            quarter INTEGER NOT NULL, model TEXT NOT NULL, mode TEXT NOT NULL,
            turns INTEGER NOT NULL DEFAULT 0, model_turns INTEGER NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0,
            prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0, unpriced_calls INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (quarter, model, mode)
        ) WITHOUT ROWID"""
    )
    _fill_model_usage(db)
    db.execute(
        """INSERT INTO usage_rollup SELECT CAST(strftime('%s', started_at) AS INTEGER) / 900, model, mode, sum(first_of_turn),
               count(*), sum(calls), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost), sum(unpriced_calls)
           FROM model_usage GROUP BY 1, 2, 3"""
    )


@migrations()
def m012_budget_limited(db: Database) -> None:
    """Answers cut short when a budget was spent, so a resumed session shows them as budget-limited; turns by start
    time, for the daily budget's sum."""
    db.table("messages").add_column("budget_limited", int, not_null_default=0)
    db.table("turns").create_index(["started_at"])


@migrations()
def m013_session_origin(db: Database) -> None:
    """Where a session was started: "run" (one-shot `agentsh run`) or "interactive" (the app, --plain); NULL before."""
    db.table("sessions").add_column("origin", str)


@migrations()
def m014_model_calls(db: Database) -> None:
    """Every model call's answer by a hash of its request (store/model_calls.py): a replay reuses them."""
    db.execute(
        """CREATE TABLE model_calls (
            id INTEGER PRIMARY KEY, key TEXT NOT NULL, session_id TEXT NOT NULL, turn_id INTEGER NOT NULL,
            call_index INTEGER NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_model_calls_turn ON model_calls (turn_id, call_index)")


@migrations()
def m015_bench_search_index_prefix(db: Database) -> None:
    """Search indexes the first SEARCH_INDEX_LIMIT characters of a message (indexing a 10 MB prompt took seconds);
    the message itself is stored whole. Rows already indexed whole are indexed again, cut the same way."""
    limit = SEARCH_INDEX_LIMIT
    for name in ("messages_ai", "messages_ad", "messages_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute(  # an external-content index is told the exact text it indexed when a row goes
        "INSERT INTO messages_fts (messages_fts, rowid, content) SELECT 'delete', id, content FROM messages WHERE length(content) > ?",
        [limit],
    )
    db.execute("INSERT INTO messages_fts (rowid, content) SELECT id, substr(content, 1, ?) FROM messages WHERE length(content) > ?", [limit, limit])
    indexed = f"substr({{row}}.content, 1, {limit})"
    removed = f"INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.rowid, {indexed.format(row='old')});"
    added = f"INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, {indexed.format(row='new')});"
    db.execute(f"CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN {added} END")
    db.execute(f"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN {removed} END")
    db.execute(f"CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN {removed} {added} END")


@migrations()
def m016_bench_turn_draft_steps(db: Database) -> None:
    """A running turn's messages after the user's: checkpoints write these, not the user's message again (a 10 MB
    prompt was rewritten at every step)."""
    db.table("turns").add_column("draft_steps", str)


@migrations()
def m017_svc_tasks(db: Database) -> None:
    """The task service's tasks (agentsh/service/tasks.py): one turn each, its request, status and outcome."""
    db.execute(
        """CREATE TABLE tasks (
            id TEXT PRIMARY KEY, status TEXT NOT NULL, prompt TEXT NOT NULL, request TEXT NOT NULL,
            mode TEXT, model TEXT, session_id TEXT, turn_id INTEGER, answer TEXT, error TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0, cost REAL, model_calls INTEGER NOT NULL DEFAULT 0,
            origin TEXT NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_tasks_status ON tasks (status, created_at)")
    db.execute("CREATE INDEX idx_tasks_created ON tasks (created_at)")


@migrations()
def m018_unanswered_consolidation(db: Database) -> None:
    """How many finished turns a session had when consolidation last got no valid answer for it: the start-up
    sweep does not ask about those turns again (a model that cannot answer in JSON was asked at every start)."""
    db.table("sessions").add_column("unanswered_turns", int, not_null_default=0)


def _fill_model_usage(db: Database) -> None:
    db.execute(
        """INSERT INTO model_usage (started_at, turn_id, model, session_id, mode, calls, prompt_tokens, completion_tokens,
                                    cached_tokens, cost, unpriced_calls)
           SELECT t.started_at, t.id, coalesce(json_extract(e.data, '$.model'), t.model), t.session_id, coalesce(t.mode, ''),
                  count(e.id), coalesce(sum(json_extract(e.data, '$.prompt_tokens')), 0),
                  coalesce(sum(json_extract(e.data, '$.completion_tokens')), 0),
                  coalesce(sum(json_extract(e.data, '$.cached_tokens')), 0),
                  coalesce(sum(json_extract(e.data, '$.cost')), 0),
                  count(e.id) - count(json_extract(e.data, '$.cost'))
           FROM turns t LEFT JOIN events e ON e.turn_id = t.id AND e.type = 'usage'
           WHERE t.status != 'running' AND t.started_at IS NOT NULL
           GROUP BY t.id, coalesce(json_extract(e.data, '$.model'), t.model)"""
    )
    db.execute(
        """UPDATE model_usage SET first_of_turn = 0 WHERE EXISTS (
               SELECT 1 FROM model_usage o WHERE o.started_at = model_usage.started_at AND o.turn_id = model_usage.turn_id
               AND o.model < model_usage.model)"""
    )


def known_migrations() -> list[str]:
    """The names of every migration this agentsh has, in order: all a fresh database would apply."""
    return list(_known_names())


@functools.cache
def _known_names() -> tuple[str, ...]:
    return tuple(m.name for m in migrations.pending(Database(memory=True)))


def applied_names(db: Database) -> list[str]:
    """The migrations applied to `db`, in order: one query (sqlite-utils' `applied` looks the table up several times,
    and every session a service task opens asks)."""
    table = migrations.migrations_table
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
        return []
    sql = f"SELECT name FROM [{table}] WHERE migration_set = ? ORDER BY rowid"
    return [row[0] for row in db.execute(sql, [migrations.name])]


def refuse_newer_schema(db: Database, path: Path | str, applied: list[str] | None = None) -> None:
    """A migration this agentsh does not know means a newer agentsh wrote the file: never downgrade it."""
    known = set(_known_names())
    unknown = [name for name in (applied_names(db) if applied is None else applied) if name not in known]
    if unknown:
        raise StoreError(
            f"the session database {path} was written by a newer agentsh (schema {unknown[-1]}); "
            "upgrade agentsh to use it"
        )


def migrate(db: Database, path: Path | str, applied: list[str] | None = None) -> None:
    """Apply pending migrations in one write transaction; refuse a newer schema. `applied`: what
    `applied_names` has just read (a database at the newest schema then costs no further query)."""
    applied = applied_names(db) if applied is None else applied
    refuse_newer_schema(db, path, applied)
    if set(_known_names()) <= set(applied):
        return
    with write_transaction(db):
        migrations.apply(db)


def schema_version(db: Database) -> str | None:
    applied = migrations.applied(db)
    return applied[-1].name if applied else None
