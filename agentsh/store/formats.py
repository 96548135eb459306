"""Which structured-output level each model accepts (models/structured_output.py), kept across sessions.

Learnt when a provider refuses a level; a later call, in this session or another, starts at the
level kept here instead of being refused again. A hint, not a record: a save that cannot be made
(a read-only data home, another writer holding the lock) is kept for this process only.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from ..errors import StoreError
from .db import write_transaction
from .records import now

SAVE_PATIENCE = 1.0  # seconds a save waits for another writer before it is kept in memory only


class StoredFormats:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._learnt: dict[str, str] = {}  # this process's latest word, saved or not

    def level(self, model: str) -> str | None:
        if model in self._learnt:
            return self._learnt[model]
        try:
            row = self.db.execute("SELECT level FROM model_formats WHERE model = ?", [model]).fetchone()
        except (StoreError, sqlite3.Error):
            return None
        return row[0] if row else None

    def save(self, model: str, level: str) -> None:
        self._learnt[model] = level
        try:
            with write_transaction(self.db, patience=SAVE_PATIENCE):
                self.db.table("model_formats").upsert({"model": model, "level": level, "updated_at": now()}, pk="model")
        except (StoreError, sqlite3.Error):
            pass  # kept for this process: the next session is refused once more, nothing worse
