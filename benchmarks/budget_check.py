"""The budget check before a model call (target ≤ 0.2 ms), and the store sums a turn's budget starts from.

Every model call of a turn, nested modes included, first asks the turn's `TurnBudget` whether a limit is
reached (agent/turn.py `_call`): that check is measured with all seven limits set, at 85% of them (the
warning path). The session's and the day's spending are read from the store once per turn, not per call
(`Session.turn_budget`: the session's running totals and an indexed sum of today's turns), measured on a
store of 100,000 turns, 200 of them today.

    python benchmarks/budget_check.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from agentsh.agent.budget import Limits, Spent, TurnBudget
from agentsh.config import Settings
from agentsh.session import Session
from agentsh.store.records import now

from harness import Figure, median, p95, table, time_calls

TARGET_MS = 0.2
TURNS = 100_000


def _budget() -> TurnBudget:
    limits = Limits(max_cost=1.0, max_tokens=100_000, max_model_calls=100, session_max_cost=10.0,
                    session_max_tokens=1_000_000, daily_max_cost=50.0, daily_max_tokens=5_000_000)
    budget = TurnBudget(limits, Spent(tokens=800_000, cost=8.0), Spent(tokens=4_000_000, cost=40.0))
    budget.spend(tokens=85_000, cost=0.85)
    budget.check()  # the warnings once: later checks are the steady state
    return budget


def _store_with_turns(home: Path) -> Session:
    session = Session.open(Settings(home=home, model="offline", budget={"session_max_cost": 1.0, "daily_max_tokens": 10**9}))
    session.store.insert(session.record)
    session._persisted = True
    today = now()  # a busy day's 200 turns, after a year of others
    rows = [(session.id, "done", "chat", "offline", today if i < 200 else f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00.000+00:00",
             100, 50, 0.001) for i in range(TURNS)]
    session.store.db.conn.executemany(
        "INSERT INTO turns (session_id, status, mode, model, started_at, prompt_tokens, completion_tokens, cost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    session.store.db.conn.commit()
    return session


def figures(quick: bool = False) -> list[Figure]:
    budget = _budget()
    per_check = [ms / 1000 for ms in time_calls(lambda: [budget.check() for _ in range(1000)], 50 if quick else 300)]
    with tempfile.TemporaryDirectory() as folder:
        session = _store_with_turns(Path(folder))
        per_turn = time_calls(session.turn_budget, 20 if quick else 100)
    return [
        Figure("budget check before a model call (7 limits, p95)", p95(per_check), None, f"≤ {TARGET_MS} ms", met=p95(per_check) <= TARGET_MS),
        Figure("budget check before a model call (median)", median(per_check), None, f"≤ {TARGET_MS} ms", met=median(per_check) <= TARGET_MS),
        Figure(f"a turn's budget: session + day sums over {TURNS:,} turns (once per turn)", median(per_turn), None, "once per turn"),
    ]


if __name__ == "__main__":
    print(table(figures(quick="--quick" in sys.argv)))
