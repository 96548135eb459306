"""A stored turn's events, for the trace of a turn and for replaying it.

A session's turns are numbered from 1 in the order they were started; each turn's events are in
the order they happened. Each stored event carries `at`: milliseconds since its turn began
(turns stored by an agentsh before traces have none, and their step times are unknown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import AgentshError
from .sessions import SessionStore


@dataclass(frozen=True)
class StoredTurn:
    number: int  # 1 = the session's first turn
    turn_id: int
    session_id: str
    mode: str
    model: str
    status: str
    started_at: str
    totals: dict[str, Any]  # model_calls, prompt_tokens, completion_tokens, cost, duration_ms


TURN_COLUMNS = "id, mode, model, status, started_at, ended_at, model_calls, prompt_tokens, completion_tokens, cost"


def stored_turns(store: SessionStore, session_id: str) -> list[StoredTurn]:
    """The session's finished turns, oldest first."""
    sql = f"SELECT {TURN_COLUMNS} FROM turns WHERE session_id = ? AND status != 'running' ORDER BY id"
    rows = store.db.execute(sql, [session_id]).fetchall()
    return [_turn(n, session_id, row) for n, row in enumerate(rows, 1)]


def _turn(number: int, session_id: str, row: tuple) -> StoredTurn:
    turn_id, mode, model, status, started, ended, calls, prompt, completion, cost = row
    totals = {
        "model_calls": calls or 0, "prompt_tokens": prompt or 0, "completion_tokens": completion or 0,
        "total_tokens": (prompt or 0) + (completion or 0), "cost": cost, "duration_ms": _milliseconds_between(started, ended),
    }
    return StoredTurn(number, turn_id, session_id, mode or "", model or "", status or "", started or "", totals)


def _milliseconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000
    except ValueError:
        return None


def stored_turn(store: SessionStore, session_id: str, number: int | None) -> StoredTurn:
    """Turn `number` of the session (default: its last), or one clear error."""
    turns = stored_turns(store, session_id)
    if not turns:
        raise AgentshError(f"session {session_id} has no finished turn to trace")
    if number is None:
        return turns[-1]
    if not 1 <= number <= len(turns):
        raise AgentshError(f"there is no turn {number}: session {session_id} has {len(turns)} (turns are numbered from 1)")
    return turns[number - 1]


def turn_events(store: SessionStore, turn_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The turn's stored events as (type, data), in the order they happened."""
    rows = store.db.execute("SELECT type, data FROM events WHERE turn_id = ? ORDER BY id", [turn_id]).fetchall()
    return [(kind, _loaded(data)) for kind, data in rows]


def session_steps(store: SessionStore, session_id: str) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Every finished turn's events, by turn id (one query: a resumed session's transcript draws them all)."""
    sql = "SELECT turn_id, type, data FROM events WHERE session_id = ? AND turn_id IS NOT NULL ORDER BY id"
    found: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for turn_id, kind, data in store.db.execute(sql, [session_id]).fetchall():
        found.setdefault(turn_id, []).append((kind, _loaded(data)))
    return found


def _loaded(data: str | None) -> dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def user_turn_records(store: SessionStore, session_id: str) -> list[list[dict[str, Any]]]:
    """Each user message's turn's stored steps and model calls ("step" and "usage" events), in conversation order
    (none for a message copied into a fork)."""
    turns = [row[0] for row in store.db.execute(
        "SELECT turn_id FROM messages WHERE session_id = ? AND role = 'user' ORDER BY seq", [session_id]
    ).fetchall()]
    steps: dict[int, list[dict[str, Any]]] = {}
    for turn_id, data in store.db.execute(
        "SELECT turn_id, data FROM events WHERE session_id = ? AND type IN ('step', 'usage') AND turn_id IS NOT NULL ORDER BY id", [session_id]
    ).fetchall():
        steps.setdefault(turn_id, []).append(_loaded(data))
    return [steps.get(turn_id, []) if turn_id is not None else [] for turn_id in turns]
