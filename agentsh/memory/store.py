"""Long-term memory: what the agent knows across sessions, in the session database.

A memory is one short statement (a fact, a preference, an instruction, a decision) with
tags, an importance from 1 to 5, a pinned flag (pinned memories are always recalled) and
the session it came from. Text is indexed with FTS5; recall ranks by bm25.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Iterable

from pydantic import BaseModel, Field
from sqlite_utils import Database

from ..errors import StoreError, UsageError
from ..store.db import write_transaction
from ..store.records import now
from .query import recall_query

MAX_MEMORY_CHARS = 2000
KINDS = ("fact", "preference", "instruction", "decision", "person", "project")
NEAR_DUPLICATE = 0.8  # word-set overlap above which a new memory restates a known one

RANK_SQL = "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rank LIMIT ?"


class MemoryRecord(BaseModel):
    id: int
    text: str
    kind: str = "fact"
    tags: list[str] = Field(default_factory=list)
    importance: int = 3
    pinned: bool = False
    source_session_id: str | None = None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "MemoryRecord":
        data = {k: v for k, v in row.items() if k in cls.model_fields}
        data["tags"] = [t for t in (row.get("tags") or "").split(",") if t]
        data["pinned"] = bool(row.get("pinned"))
        return cls.model_validate(data)


def normalize(text: str) -> str:
    """The form two memories are compared in: lower case, single spaces, no closing punctuation."""
    return " ".join(text.lower().split()).rstrip(".!;, ")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def overlap(a: str, b: str) -> float:
    left, right = _words(a), _words(b)
    return len(left & right) / len(left | right) if left | right else 1.0


class MemoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self, text: str, kind: str = "fact", tags: Iterable[str] = (), importance: int = 3,
        pinned: bool = False, source_session_id: str | None = None,
    ) -> tuple[MemoryRecord, bool]:
        """Store a memory; returns it and whether it is new (a restatement returns the known one)."""
        text, kind, tag_text = _checked(text, kind, tags, importance)
        known = self.duplicate_of(text)
        if known is not None:
            return known, False
        stamp = now()
        row = {
            "text": text, "normalized": normalize(text), "kind": kind, "tags": tag_text, "importance": importance,
            "pinned": int(pinned), "source_session_id": source_session_id, "created_at": stamp, "updated_at": stamp,
        }
        with write_transaction(self.db):
            memory_id = self.db["memories"].insert(row).last_pk
        return self.get(memory_id), True

    def duplicate_of(self, text: str) -> MemoryRecord | None:
        """A known memory saying the same thing: the same normalized text, or nearly the same words."""
        rows = list(self.db.query("SELECT * FROM memories WHERE normalized = ?", [normalize(text)]))
        if rows:
            return MemoryRecord.from_row(rows[0])
        return next((m for m in self.search(text, limit=5) if overlap(m.text, text) >= NEAR_DUPLICATE), None)

    def get(self, memory_id: int | str) -> MemoryRecord:
        rows = list(self.db.query("SELECT * FROM memories WHERE id = ?", [_memory_id(memory_id)]))
        if not rows:
            raise StoreError(f"no memory with id {memory_id}; `agentsh memory list` shows them")
        return MemoryRecord.from_row(rows[0])

    def list(self, limit: int = 50, pinned_only: bool = False) -> list[MemoryRecord]:
        where = "WHERE pinned = 1" if pinned_only else ""
        sql = f"SELECT * FROM memories {where} ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?"
        return [MemoryRecord.from_row(r) for r in self.db.query(sql, [limit])]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM memories").fetchone()[0]

    def search(self, text: str, limit: int = 5) -> list[MemoryRecord]:
        """The memories most relevant to `text` by bm25 (any of its words; common words ignored)."""
        query = recall_query(text)
        if not query:
            return []
        try:
            ids = [r[0] for r in self.db.execute(RANK_SQL, [query, limit]).fetchall()]
        except sqlite3.OperationalError as error:
            raise UsageError(f"cannot search memories for {text!r}: {error}") from None
        return self._by_ids(ids)

    def recall(self, text: str, limit: int = 5) -> list[MemoryRecord]:
        """Pinned memories, then the `limit` most relevant others: what a turn puts before the model."""
        pinned = self.list(limit=100, pinned_only=True)
        seen = {m.id for m in pinned}
        return pinned + [m for m in self.search(text, limit + len(seen)) if m.id not in seen][:limit]

    def _by_ids(self, ids: list[int]) -> list[MemoryRecord]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = {r["id"]: r for r in self.db.query(f"SELECT * FROM memories WHERE id IN ({marks})", ids)}
        return [MemoryRecord.from_row(rows[i]) for i in ids if i in rows]

    def forget(self, memory_id: int | str) -> MemoryRecord:
        record = self.get(memory_id)
        with write_transaction(self.db):
            self.db.execute("DELETE FROM memories WHERE id = ?", [record.id])
        return record

    def set_pinned(self, memory_id: int | str, pinned: bool = True) -> MemoryRecord:
        record = self.get(memory_id)
        with write_transaction(self.db):
            self.db["memories"].update(record.id, {"pinned": int(pinned), "updated_at": now()})
        return self.get(record.id)

    def export(self) -> list[dict[str, Any]]:
        return [m.model_dump() for m in self.list(limit=-1)]

    def import_(self, items: list[dict[str, Any]]) -> tuple[int, int]:
        """Add exported memories; returns (added, already known)."""
        added = 0
        for item in items:
            _, created = self.add(
                item["text"], item.get("kind", "fact"), item.get("tags", []), item.get("importance", 3),
                bool(item.get("pinned")), item.get("source_session_id"),
            )
            added += created
        return added, len(items) - added


def _checked(text: str, kind: str, tags: Iterable[str], importance: int) -> tuple[str, str, str]:
    text = " ".join(str(text).split())
    if not text:
        raise UsageError("a memory needs some text")
    if len(text) > MAX_MEMORY_CHARS:
        raise UsageError(f"a memory is at most {MAX_MEMORY_CHARS} characters (this one has {len(text)}); store the gist")
    kind = (kind or "fact").strip().lower()
    if kind not in KINDS:
        raise UsageError(f"unknown memory kind {kind!r}; use one of: {', '.join(KINDS)}")
    if not 1 <= int(importance) <= 5:
        raise UsageError("importance goes from 1 (trivia) to 5 (essential)")
    clean_tags = sorted({t.strip().lower().replace(",", " ") for t in tags if t and t.strip()})
    return text, kind, ",".join(clean_tags)


def _memory_id(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"a memory id is a number, not {value!r}") from None


def load_export(text: str) -> list[dict[str, Any]]:
    """Parse `agentsh memory export` output, with one clear error when it is not that."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"not a memory export (invalid JSON: {error})") from None
    items = data.get("memories") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("text"), str) for i in items):
        raise UsageError("not a memory export: expected a list of memories with a 'text' field")
    return items
