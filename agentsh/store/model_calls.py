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


def keep_call(store: SessionStore, key: str, session_id: str, turn_id: int, index: int, response: dict[str, Any]) -> None:
    values = [key, session_id, turn_id, index, redact_secrets(json.dumps(response)), now()]
    sql = "INSERT INTO model_calls (key, session_id, turn_id, call_index, response, created_at) VALUES (?, ?, ?, ?, ?, ?)"
    with write_transaction(store.db):
        store.db.execute(sql, values)


def kept_before(store: SessionStore, turn_id: int, calls: int) -> dict[str, list[dict[str, Any]]]:
    """The first `calls` answers turn `turn_id` got, by request hash (a hash asked twice keeps both, in order)."""
    sql = "SELECT key, response FROM model_calls WHERE turn_id = ? AND call_index < ? ORDER BY call_index"
    found: dict[str, list[dict[str, Any]]] = {}
    for key, response in store.db.execute(sql, [turn_id, calls]).fetchall():
        found.setdefault(key, []).append(json.loads(response))
    return found
