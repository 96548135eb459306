"""Spend over time: what each turn cost per model (the `model_usage` table), written as the turn is,
and read back summed by period, model, mode, workflow or session (`agentsh stats`, /stats, /cost).

A call litellm could not price counts in `unpriced_calls`, never as zero: a total with any is a
lower bound. Periods are given as UTC bounds (`Period`), so a day is the user's day in any time zone.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from ..errors import StoreError

WORKFLOW_PREFIX = "workflow:"  # a mode named workflow:NAME runs the workflow NAME
BACKGROUND_MODE = "memory"  # the mode stats give the spend outside turns: summaries, compaction, memory consolidation
BACKGROUND_TURN = -1  # the turn_id of that spend (turns are numbered from 1)
DIMENSIONS = ("model", "mode", "workflow", "session")
_COLUMNS = {"model": "model", "mode": "mode", "session": "session_id", "workflow": f"substr(mode, {len(WORKFLOW_PREFIX) + 1})"}
_IS_WORKFLOW = f"mode >= '{WORKFLOW_PREFIX}' AND mode < '{WORKFLOW_PREFIX[:-1]};'"  # ';' follows ':'
_USAGE_COLUMNS = (
    "started_at", "turn_id", "model", "session_id", "mode", "calls", "prompt_tokens", "completion_tokens",
    "cached_tokens", "cost", "unpriced_calls", "first_of_turn",
)


@dataclass(frozen=True)
class Period:
    """[start, end) in the store's UTC timestamps, and what to call it ("2026-11-03", "2026-W45")."""

    label: str
    start: str
    end: str


@dataclass
class UsageRow:
    """One group's spend: `keys` holds the period label and/or the dimensions asked for."""

    keys: dict[str, str] = field(default_factory=dict)
    turns: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0  # what the priced calls cost
    unpriced_calls: int = 0  # calls whose cost litellm did not know: `cost` is then a lower bound

    @property
    def cost_known(self) -> bool:
        return self.unpriced_calls == 0

    def add(self, other: UsageRow) -> None:
        for name in ("turns", "calls", "prompt_tokens", "completion_tokens", "cached_tokens", "cost", "unpriced_calls"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def usage_rows(events: Iterable[tuple[str, dict[str, Any]]], turn: dict[str, Any]) -> list[dict[str, Any]]:
    """The `model_usage` rows of a finished turn from its events: one per model it called (one with no calls
    for a turn that called none, so that it still counts as a turn)."""
    rows: dict[str, dict[str, Any]] = {}
    for kind, data in events:
        if kind != "usage":
            continue
        row = rows.setdefault(data.get("model") or turn["model"], _empty_row(turn, data.get("model") or turn["model"]))
        row["calls"] += 1
        for name in ("prompt_tokens", "completion_tokens", "cached_tokens"):
            row[name] += data.get(name) or 0
        cost = data.get("cost")
        row["cost"] += cost or 0.0
        row["unpriced_calls"] += cost is None
    found = list(rows.values()) or [_empty_row(turn, turn["model"])]
    for later in found[1:]:
        later["first_of_turn"] = 0
    return found


def _empty_row(turn: dict[str, Any], model: str) -> dict[str, Any]:
    return {
        "started_at": turn["started_at"], "turn_id": turn["id"], "model": model, "session_id": turn["session_id"],
        "mode": turn["mode"] or "", "calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cached_tokens": 0,
        "cost": 0.0, "unpriced_calls": 0, "first_of_turn": 1,
    }


QUARTER = 900  # seconds: the rollup's grain (every time zone's offset is a whole number of quarter hours)
_ROLLUP_SUMS = ("turns", "model_turns", "calls", "prompt_tokens", "completion_tokens", "cached_tokens", "cost", "unpriced_calls")
_ADD_TO_ROLLUP = (
    f"INSERT INTO usage_rollup (quarter, model, mode, {', '.join(_ROLLUP_SUMS)}) VALUES (?, ?, ?, {', '.join('?' * len(_ROLLUP_SUMS))}) "
    f"ON CONFLICT (quarter, model, mode) DO UPDATE SET {', '.join(f'{c} = {c} + excluded.{c}' for c in _ROLLUP_SUMS)}"
)


def quarter_of(stamp: str) -> int:
    """The quarter hour (since the epoch) a store timestamp falls in."""
    return int(datetime.fromisoformat(stamp).timestamp()) // QUARTER


def insert_usage(db: Database, rows: builtins.list[dict[str, Any]]) -> None:
    """A finished turn's rows, and their sums added to the rollup (inside the turn's transaction)."""
    sql = f"INSERT INTO model_usage ({', '.join(_USAGE_COLUMNS)}) VALUES ({', '.join('?' * len(_USAGE_COLUMNS))})"
    db.conn.executemany(sql, [[row[c] for c in _USAGE_COLUMNS] for row in rows])
    db.conn.executemany(_ADD_TO_ROLLUP, [_rollup_values(row, 1) for row in rows])


def _rollup_values(row: dict[str, Any], sign: int) -> list[Any]:
    sums = [row["first_of_turn"], int(row["turn_id"] != BACKGROUND_TURN), *(row[c] for c in _ROLLUP_SUMS[2:])]
    return [quarter_of(row["started_at"]), row["model"], row["mode"], *(sign * v for v in sums)]


def rebuild_rollup(db: Database) -> None:
    """The rollup made again from `model_usage` (for rows written straight into it: generated stores)."""
    db.execute("DELETE FROM usage_rollup")
    db.execute(
        f"""INSERT INTO usage_rollup (quarter, model, mode, {', '.join(_ROLLUP_SUMS)})
            SELECT CAST(strftime('%s', started_at) AS INTEGER) / {QUARTER}, model, mode, sum(first_of_turn), sum(turn_id != {BACKGROUND_TURN}), sum(calls),
                   sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(cost), sum(unpriced_calls)
            FROM model_usage GROUP BY 1, 2, 3"""
    )


def background_row(session_id: str, model: str, calls: int, tokens: tuple[int, int, int], cost: float | None, at: str) -> dict[str, Any]:
    """A `model_usage` row for model calls made for a session outside its turns; `tokens`: in, out, cached.
    `cost` None: litellm could not price them all (the calls then count as unpriced)."""
    return {
        "started_at": at, "turn_id": BACKGROUND_TURN, "model": model, "session_id": session_id, "mode": BACKGROUND_MODE,
        "calls": calls, "prompt_tokens": tokens[0], "completion_tokens": tokens[1], "cached_tokens": tokens[2],
        "cost": cost or 0.0, "unpriced_calls": calls if cost is None else 0, "first_of_turn": 0,
    }


def insert_background_usage(db: Database, row: dict[str, Any]) -> None:
    """Like `insert_usage`, for a row no turn owns: two in the same millisecond add up instead of clashing."""
    sums = ("calls", "prompt_tokens", "completion_tokens", "cached_tokens", "cost", "unpriced_calls")
    db.conn.execute(
        f"INSERT INTO model_usage ({', '.join(_USAGE_COLUMNS)}) VALUES ({', '.join('?' * len(_USAGE_COLUMNS))}) "
        f"ON CONFLICT (started_at, turn_id, model) DO UPDATE SET {', '.join(f'{c} = {c} + excluded.{c}' for c in sums)}",
        [row[c] for c in _USAGE_COLUMNS],
    )
    db.conn.execute(_ADD_TO_ROLLUP, _rollup_values(row, 1))


def forget_usage(db: Database, session_id: str) -> None:
    """A deleted session's rows, taken out of the rollup too."""
    cursor = db.execute(f"SELECT {', '.join(_USAGE_COLUMNS)} FROM model_usage WHERE session_id = ?", [session_id])
    rows = [dict(zip(_USAGE_COLUMNS, found, strict=True)) for found in cursor.fetchall()]
    db.conn.executemany(_ADD_TO_ROLLUP, [_rollup_values(row, -1) for row in rows])
    db.execute("DELETE FROM model_usage WHERE session_id = ?", [session_id])


def summarize(
    db: Database, start: str, end: str, periods: Sequence[Period] = (), dimensions: Sequence[str] = (),
    session_id: str | None = None, workflows_only: bool = False,
) -> builtins.list[UsageRow]:
    """Spend between `start` and `end` (UTC timestamps), per period of `periods` (none: the whole range) and per
    value of each of `dimensions` (of DIMENSIONS), largest cost first within a period; only one session's when given,
    only workflows' with `workflows_only` or a "workflow" dimension."""
    unknown = [d for d in dimensions if d not in _COLUMNS]
    if unknown:
        raise ValueError(f"unknown dimension {unknown[0]!r}")
    _require_usage_tables(db)
    if session_id is None and "session" not in dimensions:
        return _from_rollup(db, start, end, periods, dimensions, workflows_only or "workflow" in dimensions)
    keys = [f"{_COLUMNS[d]} AS {d}" for d in dimensions]
    # each (turn, model) is one row: per model, every row of a turn is a turn; else one row per turn is marked
    turns = f"sum(u.turn_id != {BACKGROUND_TURN})" if "model" in dimensions else "sum(u.first_of_turn)"
    where, values = ([], []) if periods else (["u.started_at >= ?", "u.started_at < ?"], [start, end])
    if session_id is not None:
        where.append("u.session_id = ?")
        values.append(session_id)
    if workflows_only or "workflow" in dimensions:
        where.append(_IS_WORKFLOW.replace("mode", "u.mode"))
    if periods:
        return _by_period(db, periods, keys, where, values, turns)
    return _grouped(db, "model_usage u", keys, where, values, turns)


def _by_period(
    db: Database, periods: Sequence[Period], keys: list[str], where: list[str], values: list[Any], turns: str,
) -> builtins.list[UsageRow]:
    """Each row placed in its period by a range join: SQLite walks the clustered start times once per period
    (no other bound on the start time may be given, or SQLite scans the whole range for each period)."""
    bounds = ", ".join("(?, ?, ?)" for _ in periods)
    cte = f"WITH period_bounds(label, start, finish) AS (VALUES {bounds}) "
    table = "period_bounds p JOIN model_usage u ON u.started_at >= p.start AND u.started_at < p.finish"
    period_values = [v for p in periods for v in (p.label, p.start, p.end)]
    return _grouped(db, table, ["p.label AS period", *keys], where, [*period_values, *values], turns, cte)


_SUMS = "sum(u.calls), sum(u.prompt_tokens), sum(u.completion_tokens), sum(u.cached_tokens), sum(u.cost), sum(u.unpriced_calls)"


def _grouped(
    db: Database, table: str, keys: list[str], where: list[str], values: list[Any], turns: str, cte: str = "",
) -> builtins.list[UsageRow]:
    names = [k.rsplit(" AS ", 1)[1] for k in keys]
    group = f"GROUP BY {', '.join(names)}" if names else ""
    order = ", ".join([*(["period"] if "period" in names else []), "sum(u.cost) DESC", *names]) if names else "1"
    selected = ", ".join([*keys, turns, _SUMS])
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    sql = f"{cte}SELECT {selected} FROM {table} {condition} {group} ORDER BY {order}"
    found = []
    for row in db.execute(sql, values).fetchall():
        keyed = dict(zip(names, (str(v) for v in row[: len(names)]), strict=True))
        count, calls, prompt, completion, cached, cost, unpriced = row[len(names):]
        if count or calls:
            found.append(UsageRow(keyed, count or 0, calls or 0, prompt or 0, completion or 0, cached or 0, cost or 0.0, unpriced or 0))
    return found


def _require_usage_tables(db: Database) -> None:
    """A database opened read-only by this agentsh before it was upgraded (migrated) has no spend tables yet."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'usage_rollup'").fetchone() is None:
        path = getattr(db.conn, "path", "the session database")
        raise StoreError(
            f"{path} has no usage records yet: it was written by an older agentsh and is read-only here; "
            "open it once where it can be written (any agentsh command) to upgrade it"
        )


def _from_rollup(
    db: Database, start: str, end: str, periods: Sequence[Period], dimensions: Sequence[str], workflows_only: bool,
) -> builtins.list[UsageRow]:
    """The rollup's quarter hours summed per period (a range join on its clustered key) and dimension."""
    turns = "model_turns" if "model" in dimensions else "turns"
    keys = [f"{_COLUMNS[d]} AS {d}" for d in dimensions]
    where = [_IS_WORKFLOW.replace("mode", "u.mode")] if workflows_only else []
    if not periods:
        values: list[Any] = [quarter_of(start), _quarter_after(end)]
        return _grouped(db, "usage_rollup u", keys, ["u.quarter >= ?", "u.quarter < ?", *where], values, f"sum(u.{turns})")
    bounds = ", ".join("(?, ?, ?)" for _ in periods)
    cte = f"WITH period_bounds(label, start, finish) AS (VALUES {bounds}) "
    table = "period_bounds p JOIN usage_rollup u ON u.quarter >= p.start AND u.quarter < p.finish"
    period_values = [v for p in periods for v in (p.label, quarter_of(p.start), _quarter_after(p.end))]
    return _grouped(db, table, ["p.label AS period", *keys], where, period_values, f"sum(u.{turns})", cte)


def _quarter_after(stamp: str) -> int:
    """The first quarter hour at or after `stamp` (a bound's end)."""
    return -(-int(datetime.fromisoformat(stamp).timestamp()) // QUARTER)
