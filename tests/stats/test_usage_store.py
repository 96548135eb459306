"""The store's spend tables: filled from the turns already stored when agentsh is upgraded, a turn
that called two models counted once, and names from the store shown literally in the charts."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from rich.console import Console
from sqlite_utils import Database

from agentsh.stats.render import rich_report
from agentsh.stats.report import StatsRequest, build_report
from agentsh.store import migrations as schema
from agentsh.store.db import open_database
from agentsh.store.usage import insert_usage, summarize, usage_rows

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
STARTED = "2026-11-20T09:00:00.000+00:00"


def usage(model: str, cost: float | None, cached: int = 0) -> tuple[str, dict]:
    return ("usage", {"model": model, "prompt_tokens": 100, "completion_tokens": 10, "cached_tokens": cached, "cost": cost})


def test_upgrading_fills_the_spend_tables_from_the_stored_turns_usage_events():
    db = Database(memory=True)
    schema.migrations.apply(db, stop_before="m011_stats_model_usage")
    db.execute("INSERT INTO sessions (id, mode, model, created_at, updated_at) VALUES ('s1', 'tools', 'gpt', ?, ?)", [STARTED, STARTED])
    db.execute(
        "INSERT INTO turns (id, session_id, status, mode, model, started_at) VALUES (1, 's1', 'done', 'debate', 'gpt', ?)", [STARTED],
    )
    for kind, data in (usage("gpt", 0.01, 40), usage("gpt", 0.02), usage("local", None), ("text", {"delta": "x"})):
        db.execute("INSERT INTO events (session_id, turn_id, type, data) VALUES ('s1', 1, ?, ?)", [kind, json.dumps(data)])
    schema.migrations.apply(db)
    by_model = {r.keys["model"]: r for r in summarize(db, "2026-11-20", "2026-11-21", (), ["model"])}
    assert (by_model["gpt"].calls, by_model["gpt"].cost, by_model["gpt"].cached_tokens) == (2, 0.03, 40)
    assert (by_model["local"].calls, by_model["local"].unpriced_calls) == (1, 1)
    [total] = summarize(db, "2026-11-20", "2026-11-21")
    assert (total.turns, total.calls) == (1, 3)  # one turn, though it called two models


def test_a_turn_that_called_two_models_is_one_turn_in_a_total_and_one_for_each_model():
    db = open_database(":memory:")
    db.execute("INSERT INTO sessions (id, mode, model, created_at, updated_at) VALUES ('s1', 'debate', 'gpt', ?, ?)", [STARTED, STARTED])
    turn = {"id": 7, "session_id": "s1", "mode": "debate", "model": "gpt", "started_at": STARTED}
    insert_usage(db, usage_rows([usage("gpt", 0.01), usage("local", None), usage("gpt", 0.01)], turn))
    report = build_report(db, StatsRequest(since="today", group_by=("model",), utc=True), now=NOW)
    assert {r.keys["model"]: (r.turns, r.calls) for r in report.rows} == {"gpt": (1, 2), "local": (1, 1)}
    assert (report.total.turns, report.total.calls) == (1, 3)
    by_day = build_report(db, StatsRequest(since="today", group_by=("day",), utc=True), now=NOW)
    assert [r.turns for r in by_day.rows] == [1]


def test_a_turn_with_no_model_call_still_counts_as_a_turn():
    db = open_database(":memory:")
    db.execute("INSERT INTO sessions (id, mode, model, created_at, updated_at) VALUES ('s1', 'tools', 'gpt', ?, ?)", [STARTED, STARTED])
    insert_usage(db, usage_rows([], {"id": 1, "session_id": "s1", "mode": "tools", "model": "gpt", "started_at": STARTED}))
    [total] = summarize(db, "2026-11-20", "2026-11-21")
    assert (total.turns, total.calls) == (1, 0)


def test_names_from_the_store_are_shown_literally_in_the_charts():
    db = open_database(":memory:")
    db.execute("INSERT INTO sessions (id, mode, model, created_at, updated_at) VALUES ('s1', 'tools', 'gpt', ?, ?)", [STARTED, STARTED])
    hostile = "[bold]evil[/bold]\x1b[2J"
    turn = {"id": 1, "session_id": "s1", "mode": "tools", "model": hostile, "started_at": STARTED}
    insert_usage(db, usage_rows([usage(hostile, 0.01)], turn))
    report = build_report(db, StatsRequest(since="today", group_by=("model",), utc=True), now=NOW)
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    console.print(rich_report(report, 120))
    drawn = console.export_text()
    assert "[bold]evil[/bold]" in drawn and "\x1b" not in drawn


def test_a_database_without_the_spend_tables_is_one_clear_error():
    import pytest

    from agentsh.errors import StoreError

    db = Database(memory=True)
    schema.migrations.apply(db, stop_before="m011_stats_model_usage")
    with pytest.raises(StoreError, match=r"no usage records yet.*open it once where it can be written"):
        summarize(db, "2026-11-20", "2026-11-21")
