"""`agentsh stats` over a generated store of 1,000 sessions and 100,000 turns: grouping, time zones,
unknown costs, JSON and CSV, the charts on a terminal and plain text on a pipe.

The store is written with SQL (through the real migrations); the expected figures are worked out
here from the same rule that generated it.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime

import pytest
from rich.console import Console

from agentsh.cli.main import main
from agentsh.config import Settings
from agentsh.session import open_store
from agentsh.stats.render import rich_report
from agentsh.stats.report import StatsRequest, build_report
from agentsh.store.usage import rebuild_rollup, summarize

TURNS, SESSIONS, PER_DAY = 100_000, 1_000, 1_000
START = "2026-08-01"  # turn i starts at day i // 1000, second (i % 1000) * 86 of it (UTC)
MODELS = ("openai/gpt-4o-mini", "anthropic/claude-haiku", "local/llama")  # by i % 3; local/llama has no price
MODES = ("tools", "chat", "workflow:review", "workflow:deploy")  # by session (i // 100) % 4
PRICE = {"openai/gpt-4o-mini": 0.001, "anthropic/claude-haiku": 0.002}


def calls_of(i: int) -> int:
    return 1 + i % 2


@pytest.fixture(scope="module")
def store_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("stats-home")
    open_store(Settings(home=home, model="offline"))
    db = sqlite3.connect(home / "agentsh.db")
    base = datetime.fromisoformat(START).replace(tzinfo=UTC).timestamp()
    db.executescript(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {SESSIONS - 1})
        INSERT INTO sessions (id, mode, model, created_at, updated_at) SELECT printf('s%04d', i), 'tools', 'x', '{START}', '{START}' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {TURNS - 1})
        INSERT INTO model_usage (started_at, turn_id, model, session_id, mode, calls, prompt_tokens, completion_tokens,
                                 cached_tokens, cost, unpriced_calls, first_of_turn)
        SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', {base} + (i / {PER_DAY}) * 86400 + (i % {PER_DAY}) * 86, 'unixepoch'), i,
               (CASE i % 3 WHEN 0 THEN '{MODELS[0]}' WHEN 1 THEN '{MODELS[1]}' ELSE '{MODELS[2]}' END),
               printf('s%04d', i / 100),
               (CASE (i / 100) % 4 WHEN 0 THEN '{MODES[0]}' WHEN 1 THEN '{MODES[1]}' WHEN 2 THEN '{MODES[2]}' ELSE '{MODES[3]}' END),
               1 + i % 2, 100, 10, 40,
               (CASE i % 3 WHEN 0 THEN 0.001 WHEN 1 THEN 0.002 ELSE 0 END) * (1 + i % 2),
               (CASE i % 3 WHEN 2 THEN 1 + i % 2 ELSE 0 END), 1
        FROM n;
    """)
    rebuild_rollup(_Wrapped(db))
    db.commit()
    db.close()
    return home


class _Wrapped:
    """Just enough of sqlite_utils.Database for rebuild_rollup."""

    def __init__(self, connection):
        self.execute = connection.execute


def report(home, **request):
    store = open_store(Settings(home=home, model="offline"))
    return build_report(store.db, StatsRequest(**request), now=datetime(2026, 11, 20, 12, tzinfo=UTC))


def expected(turns):
    """The sums over some turn numbers, by the rule that generated them."""
    turns = list(turns)
    return {
        "turns": len(turns), "calls": sum(calls_of(i) for i in turns),
        "cost": sum(PRICE.get(MODELS[i % 3], 0) * calls_of(i) for i in turns),
        "unpriced": sum(calls_of(i) for i in turns if i % 3 == 2),
    }


def figures(row):
    return {"turns": row.turns, "calls": row.calls, "cost": pytest.approx(row.cost), "unpriced": row.unpriced_calls}


def test_by_day_in_utc_each_day_holds_its_thousand_turns(store_home):
    found = report(store_home, since="2026-08-01", until="2026-08-03", group_by=("day",), utc=True)
    assert [r.keys["period"] for r in found.rows] == ["2026-08-01", "2026-08-02", "2026-08-03"]
    for day, row in enumerate(found.rows):
        assert figures(row) == expected(range(day * PER_DAY, (day + 1) * PER_DAY))
    assert figures(found.total) == expected(range(3 * PER_DAY))
    assert found.total.prompt_tokens == 300_000 and found.total.cached_tokens == 120_000 and found.total.completion_tokens == 30_000


def test_a_day_is_the_users_day_in_their_time_zone(store_home):
    """Kolkata is UTC+5:30: its 1 August ends at 18:30 UTC, after 775 of that UTC day's turns (86 s apart)."""
    found = report(store_home, since="2026-08-01", until="2026-08-02", group_by=("day",), zone="Asia/Kolkata")
    assert [(r.keys["period"], r.turns) for r in found.rows] == [("2026-08-01", 775), ("2026-08-02", 1000)]
    assert figures(found.rows[1]) == expected(range(775, 1775))
    assert found.zone == "Asia/Kolkata"


def test_the_day_daylight_saving_ends_has_25_hours(store_home):
    """New York's 1 November 2026 runs from 04:00 UTC to 05:00 UTC the next day: 832 + 210 turns."""
    found = report(store_home, since="2026-10-15", until="2026-11-01", group_by=("day",), zone="America/New_York")
    by_day = {r.keys["period"]: r.turns for r in found.rows}
    assert by_day["2026-10-15"] == 1000
    assert by_day["2026-11-01"] == 1042


def test_local_time_is_the_default_and_follows_tz(store_home, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        found = report(store_home, since="2026-08-01", until="2026-08-01", group_by=("day",))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert [(r.keys["period"], r.turns) for r in found.rows] == [("2026-08-01", 775)]


def test_weeks_and_months(store_home):
    weeks = report(store_home, since="2026-08-03", until="2026-08-16", group_by=("week",), utc=True)  # two ISO weeks, Monday first
    assert [(r.keys["period"], r.turns) for r in weeks.rows] == [("2026-W32", 7000), ("2026-W33", 7000)]
    months = report(store_home, since="2026-08", until="2026-09", group_by=("month",), utc=True)
    assert [(r.keys["period"], r.turns) for r in months.rows] == [("2026-08", 31_000), ("2026-09", 30_000)]


def test_by_model_a_price_litellm_does_not_know_is_unknown_never_zero(store_home):
    found = report(store_home, since="2026-08-01", until="2026-08-10", group_by=("model",), utc=True)
    rows = {r.keys["model"]: r for r in found.rows}
    days = range(10 * PER_DAY)
    for index, model in enumerate(MODELS):
        assert figures(rows[model]) == expected(i for i in days if i % 3 == index)
    assert rows["local/llama"].cost_known is False
    text = _drawn(found)
    assert "unknown" in text
    llama_line = next(line for line in text.splitlines() if "local/llama" in line)
    assert "unknown" in llama_line and "$0.0000" not in llama_line
    assert f"≥ ${found.total.cost:,.2f} + unknown" in text


def test_by_mode_and_workflow(store_home):
    """1 August holds sessions 0-9, 100 turns each: modes tools, chat, review, deploy, tools, chat, ..."""
    modes = report(store_home, since="2026-08-01", until="2026-08-01", group_by=("mode",), utc=True)
    assert {r.keys["mode"]: r.turns for r in modes.rows} == {"tools": 300, "chat": 300, "workflow:review": 200, "workflow:deploy": 200}
    workflows = report(store_home, since="2026-08-01", until="2026-08-01", group_by=("workflow",), utc=True)
    assert {r.keys["workflow"]: r.turns for r in workflows.rows} == {"review": 200, "deploy": 200}
    assert workflows.total.turns == 400  # only the workflows'


def test_by_session_and_one_session(store_home):
    sessions = report(store_home, since="2026-08-01", until="2026-08-01", group_by=("session",), utc=True)
    assert len(sessions.rows) == 10 and {r.turns for r in sessions.rows} == {100}
    one = report(store_home, since="2026-08-01", until="2026-12-31", group_by=("day",), utc=True, session_id="s0123")
    assert [(r.keys["period"], r.turns) for r in one.rows] == [("2026-08-13", 100)]
    assert figures(one.total) == expected(range(12_300, 12_400))


def test_the_rollup_and_the_turn_rows_agree(store_home):
    """Ranges answered from the quarter-hour rollup equal the same sums over the per-turn rows."""
    store = open_store(Settings(home=store_home, model="offline"))
    start, end = "2026-09-03T06:15:00.000+00:00", "2026-10-11T00:00:00.000+00:00"
    rolled = {r.keys["mode"]: figures(r) for r in summarize(store.db, start, end, (), ["mode"])}
    by_session = summarize(store.db, start, end, (), ["session", "mode"])
    summed: dict = {}
    for row in by_session:
        entry = summed.setdefault(row.keys["mode"], {"turns": 0, "calls": 0, "cost": 0.0, "unpriced": 0})
        for key, value in (("turns", row.turns), ("calls", row.calls), ("cost", row.cost), ("unpriced", row.unpriced_calls)):
            entry[key] += value
    assert rolled == summed


def test_json_output(store_home, capsys):
    code = main(["stats", "--home", str(store_home), "--since", "2026-08-01", "--until", "2026-08-02", "--utc", "-g", "day,model", "--json"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["group_by"] == ["period", "model"] and document["time_zone"] == "UTC"
    assert len(document["rows"]) == 6
    llama = next(r for r in document["rows"] if r["model"] == "local/llama" and r["period"] == "2026-08-01")
    assert llama["cost"] is None and llama["cost_complete"] is False and llama["unpriced_calls"] > 0
    assert document["total"]["turns"] == 2000 and document["total"]["cost_complete"] is False
    assert document["total"]["cost"] == pytest.approx(expected(range(2000))["cost"])


def test_csv_output(store_home, capsys):
    code = main(["stats", "--home", str(store_home), "--since", "2026-08-01", "--until", "2026-08-01", "--utc", "-g", "mode", "--csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["mode"]: int(r["turns"]) for r in rows} == {"tools": 300, "chat": 300, "workflow:review": 200, "workflow:deploy": 200}
    assert set(rows[0]) >= {"turns", "model_calls", "tokens_in", "tokens_cached", "tokens_out", "cost", "cost_complete", "unpriced_calls"}
    assert {r["cost_complete"] for r in rows} == {"false"}  # as JSON writes it (each mode had unpriced calls), not Python's False


def test_piped_output_is_plain_text_without_charts(store_home, capsys):
    assert main(["stats", "--home", str(store_home), "--since", "2026-08-01", "--until", "2026-08-03", "--utc"]) == 0
    text = capsys.readouterr().out
    assert "2026-08-02" in text and "3,000 turns" in text
    assert not set("█▁▂▃▄▅▆▇\x1b") & set(text)


def test_the_heading_names_the_last_day_counted_not_the_midnight_after_it(store_home, capsys):
    assert main(["stats", "--home", str(store_home), "--since", "2026-08-01", "--until", "2026-08-03", "--utc"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "usage · 2026-08-01 – 2026-08-03 · UTC"
    assert main(["stats", "--home", str(store_home), "--since", "2026-08-02", "--until", "2026-08-02", "--utc"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "usage · 2026-08-02 · UTC"


def test_on_a_terminal_it_draws_bars_and_sparklines(store_home):
    text = _drawn(report(store_home, since="2026-08-01", until="2026-08-20", group_by=("day",), utc=True))
    assert "█" in text  # the bars
    assert set("▁▂▃▄▅▆▇") & set(text)  # a sparkline
    assert "tokens" in text


def test_a_bad_option_is_one_clear_line(store_home, capsys):
    assert main(["stats", "--home", str(store_home), "--group-by", "colour"]) == 2
    assert main(["stats", "--home", str(store_home), "--since", "yesterday-ish"]) == 2
    assert main(["stats", "--home", str(store_home), "--tz", "Mars/Olympus"]) == 2
    assert main(["stats", "--home", str(store_home), "--since", "2026-09-01", "--until", "2026-08-01"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("agentsh: ") for line in lines)
    assert "Traceback" not in "".join(lines)


def _drawn(found, width: int = 120) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(rich_report(found, width))
    return console.export_text()


def test_a_narrow_terminal_keeps_the_names_turns_and_cost(store_home):
    found = report(store_home, since="2026-08-01", until="2026-08-10", group_by=("model",), utc=True)
    text = _drawn(found, 50)
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith(("openai", "anthropic", "local"))}
    assert len(lines) == 3 and all(len(line.rstrip()) <= 50 for line in lines.values())
    assert "unknown" in lines["local/llama"] and "$" in next(line for name, line in lines.items() if name.startswith("openai"))
