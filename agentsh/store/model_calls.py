"""Model calls kept for replays: each answer by the hash of its request, the turn that made it and its place there.

A replay of a turn from a step reuses the answers that turn got before the step (`kept_before`);
answers are redacted as everything else the store writes.
"""

from __future__ import annotations

import json
from typing import Any

from ..secrets import redact_secrets
from .db import write_transaction
from .records import now
from .sessions import SessionStore

PATIENCE = 0.05  # seconds a write waits for another writer: a turn never stalls for the replay cache


def keep_calls(store: SessionStore, calls: list[tuple[str, str, int, int, dict[str, Any]]]) -> None:
    """Write (key, session id, turn id, call index, response) rows; StoreError when the database is busy now."""
    stamp = now()
    rows = [[key, session, turn, index, redact_secrets(json.dumps(response)), stamp] for key, session, turn, index, response in calls]
    sql = "INSERT INTO model_calls (key, session_id, turn_id, call_index, response, created_at) VALUES (?, ?, ?, ?, ?, ?)"
    with write_transaction(store.db, patience=PATIENCE):
        store.db.conn.executemany(sql, rows)


def kept_before(store: SessionStore, turn_id: int, calls: int, since: str = "") -> dict[str, list[dict[str, Any]]]:
    """The first `calls` answers turn `turn_id` got, by request hash (a hash asked twice keeps both, in order). Answers
    kept before `since` (the turn's start) are an earlier turn's that had the same id, replaced by /retry or /edit."""
    sql = "SELECT key, response FROM model_calls WHERE turn_id = ? AND call_index < ? AND created_at >= ? ORDER BY call_index"
    found: dict[str, list[dict[str, Any]]] = {}
    for key, response in store.db.execute(sql, [turn_id, calls, since]).fetchall():
        found.setdefault(key, []).append(json.loads(response))
    return found
