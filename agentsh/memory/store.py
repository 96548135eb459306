"""Long-term memory: what the agent knows across sessions, in the session database.

A memory is one short statement (a fact, a preference, an instruction, a decision) with
tags, an importance from 1 to 5, a pinned flag (pinned memories are always recalled) and
the session it came from. Text is indexed with FTS5; recall ranks by bm25.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlite_utils import Database

from ..errors import StoreError, UsageError
from ..secrets import redact_secrets
from ..store.db import write_transaction
from ..store.records import now
from .query import content_words, match_any
from .term_stats import TermStats

MAX_MEMORY_CHARS = 2000
KINDS = ("fact", "preference", "instruction", "decision", "person", "project")
NEAR_DUPLICATE = 0.9  # similarity (word order counts) above which a new memory restates a known one

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
    def from_row(cls, row: dict[str, Any]) -> MemoryRecord:
        data = {k: v for k, v in row.items() if k in cls.model_fields}
        data["tags"] = [t for t in (row.get("tags") or "").split(",") if t]
        data["pinned"] = bool(row.get("pinned"))
        return cls.model_validate(data)


def memory_line(memory: MemoryRecord) -> str:
    """One memory as one line of a listing (`agentsh memory list`, `/memory`)."""
    flags = " (pinned)" if memory.pinned else ""
    tags = f"  #{' #'.join(memory.tags)}" if memory.tags else ""
    return f"{memory.id:>5}  {memory.kind:<11} {memory.text}{flags}{tags}"


def normalize(text: str) -> str:
    """The form two memories are compared in: lower case, single spaces, no closing punctuation."""
    return " ".join(text.lower().split()).rstrip(".!;, ")


def similarity(a: str, b: str) -> float:
    """How alike two statements are, word by word and in order ("spaces over tabs" is not "tabs over spaces")."""
    return SequenceMatcher(None, re.findall(r"\w+", a.lower()), re.findall(r"\w+", b.lower())).ratio()


class MemoryStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.terms = TermStats(db)

    def add(
        self, text: str, kind: str = "fact", tags: Iterable[str] = (), importance: int = 3,
        pinned: bool = False, source_session_id: str | None = None,
    ) -> tuple[MemoryRecord, bool]:
        """Store a memory; returns it and whether it is new (a restatement returns the known one)."""
        text, kind, tag_text = _checked(redact_secrets(text), kind, tags, importance)
        known = self.duplicate_of(text)
        if known is not None:
            return known, False
        stamp = now()
        row = {
            "text": text, "normalized": normalize(text), "kind": kind, "tags": tag_text, "importance": importance,
            "pinned": int(pinned), "source_session_id": source_session_id, "created_at": stamp, "updated_at": stamp,
        }
        with write_transaction(self.db):
            memory_id = self.db.table("memories").insert(row).last_pk
            assert memory_id is not None
        return self.get(memory_id), True

    def duplicate_of(self, text: str) -> MemoryRecord | None:
        """A known memory saying the same thing: the same normalized text, or nearly the same words."""
        rows = list(self.db.query("SELECT * FROM memories WHERE normalized = ?", [normalize(text)]))
        if rows:
            return MemoryRecord.from_row(rows[0])
        return next((m for m in self.search(text, limit=5) if similarity(m.text, text) >= NEAR_DUPLICATE), None)

    def get(self, memory_id: int | str) -> MemoryRecord:
        rows = list(self.db.query("SELECT * FROM memories WHERE id = ?", [_memory_id(memory_id)]))
        if not rows:
            raise StoreError(f"no memory with id {memory_id}; `agentsh memory list` shows them")
        return MemoryRecord.from_row(rows[0])

    def list(self, limit: int = 50, pinned_only: bool = False) -> builtins.list[MemoryRecord]:
        where = "WHERE pinned = 1" if pinned_only else ""
        sql = f"SELECT * FROM memories {where} ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT ?"
        return [MemoryRecord.from_row(r) for r in self.db.query(sql, [limit])]

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM memories").fetchone()[0]

    def search(self, text: str, limit: int = 5) -> builtins.list[MemoryRecord]:
        """The memories most relevant to `text` by bm25 (any of its words; common words ignored)."""
        query = match_any(self.terms.rare_enough(content_words(text)))
        if not query:
            return []
        try:
            ids = [r[0] for r in self.db.execute(RANK_SQL, [query, limit]).fetchall()]
        except sqlite3.OperationalError as error:
            raise UsageError(f"cannot search memories for {text!r}: {error}") from None
        return self._by_ids(ids)

    def recall(self, text: str, limit: int = 5) -> builtins.list[MemoryRecord]:
        """Pinned memories, then the `limit` most relevant others: what a turn puts before the model."""
        pinned = self.list(limit=100, pinned_only=True)
        seen = {m.id for m in pinned}
        return pinned + [m for m in self.search(text, limit + len(seen)) if m.id not in seen][:limit]

    def _by_ids(self, ids: builtins.list[int]) -> builtins.list[MemoryRecord]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = {r["id"]: r for r in self.db.query(f"SELECT * FROM memories WHERE id IN ({marks})", ids)}
        return [MemoryRecord.from_row(rows[i]) for i in ids if i in rows]

    def forget(self, *memory_ids: int | str) -> builtins.list[MemoryRecord]:
        """Delete the memories: all of them, or none when one id is unknown."""
        records = [self.get(memory_id) for memory_id in memory_ids]
        with write_transaction(self.db):
            self.db.execute(f"DELETE FROM memories WHERE id IN ({','.join('?' * len(records))})", [r.id for r in records])
        return records

    def set_pinned(self, memory_id: int | str, pinned: bool = True) -> MemoryRecord:
        record = self.get(memory_id)
        with write_transaction(self.db):
            self.db.table("memories").update(record.id, {"pinned": int(pinned), "updated_at": now()})
        return self.get(record.id)

    def export(self) -> builtins.list[dict[str, Any]]:
        return [m.model_dump() for m in self.list(limit=-1)]

    def import_(self, items: builtins.list[ImportedMemory]) -> tuple[int, int]:
        """Add exported memories in one transaction; returns (added, already known)."""
        added = 0
        with write_transaction(self.db):
            for item in items:
                _, created = self.add(item.text, item.kind, item.tags, item.importance, item.pinned, item.source_session_id)
                added += created
        return added, len(items) - added


class ImportedMemory(BaseModel):
    """One memory of an export file, checked before anything is written."""

    text: str
    kind: str = "fact"
    tags: list[str] = Field(default_factory=list)
    importance: int = Field(3, ge=1, le=5)
    pinned: bool = False
    source_session_id: str | None = None

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[str]:
        if value is None:
            return []
        return [t for t in value.split(",") if t] if isinstance(value, str) else value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"unknown kind {value!r}; use one of: {', '.join(KINDS)}")
        return value


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


def load_export(text: str) -> list[ImportedMemory]:
    """Parse `agentsh memory export` output, with one clear error when it is not that."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"not a memory export (invalid JSON: {error})") from None
    items = data.get("memories") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("text"), str) for i in items):
        raise UsageError("not a memory export: expected a list of memories with a 'text' field")
    memories = []
    for number, item in enumerate(items, 1):
        try:
            memories.append(ImportedMemory.model_validate(item))
        except ValidationError as error:
            first = error.errors()[0]
            raise UsageError(f"not a valid memory export: memory {number}, {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return memories
