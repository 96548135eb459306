"""A usage report: what `agentsh stats` asks of the store, and the rows and trends it gets back.

`build_report` reads; stats/render.py draws it (charts on a terminal, plain lines on a pipe,
JSON, CSV). One report is grouped by a period (day, week, month), by dimensions (model, mode,
workflow, session), or both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlite_utils import Database

from ..errors import UsageError
from ..store.usage import DIMENSIONS, Period, UsageRow, summarize
from .periods import HOUR, UNITS, Clock, parse_moment, periods

DEFAULT_SINCE = "30d"
TREND_DAYS = 92  # a longer range is drawn week by week


@dataclass(frozen=True)
class StatsRequest:
    since: str = DEFAULT_SINCE
    until: str | None = None
    group_by: tuple[str, ...] = ("day",)
    utc: bool = False
    zone: str | None = None
    session_id: str | None = None


@dataclass
class StatsReport:
    title: str
    start: datetime  # wall-clock, in `zone`
    end: datetime
    zone: str
    keys: list[str]  # the columns that name a row: "period" and/or dimensions
    rows: list[UsageRow]
    total: UsageRow
    trend_labels: list[str] = field(default_factory=list)  # the periods of the sparklines
    trend: list[UsageRow | None] = field(default_factory=list)  # the whole range's, per trend period
    row_trends: dict[tuple[str, ...], list[float]] = field(default_factory=dict)  # tokens per trend period, per row

    def row_key(self, row: UsageRow) -> tuple[str, ...]:
        return tuple(row.keys.get(k, "") for k in self.keys)


def parse_group_by(text: str) -> tuple[str, ...]:
    """"day", "model", "week,model": at most one period and any of the dimensions."""
    keys = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    unknown = [k for k in keys if k not in (*UNITS, *DIMENSIONS)]
    if unknown or not keys:
        choices = ", ".join((*UNITS, *DIMENSIONS))
        raise UsageError(f"cannot group by {unknown[0] if unknown else 'nothing'!r}: use one or more of {choices} (e.g. --group-by week,model)")
    if len([k for k in keys if k in UNITS]) > 1:
        raise UsageError("group by one period at a time: day, week or month")
    return tuple(dict.fromkeys(keys))


def build_report(db: Database, request: StatsRequest, now: datetime | None = None, title: str = "usage") -> StatsReport:
    clock = Clock.of(request.zone, request.utc, now)
    start = parse_moment(request.since, clock, "--since")
    end = parse_moment(request.until, clock, "--until", end=True) if request.until else clock.today + timedelta(days=1)
    if start >= end:
        raise UsageError(f"--since ({start:%Y-%m-%d %H:%M}) must come before --until ({end:%Y-%m-%d %H:%M})")
    unit = next((k for k in request.group_by if k in UNITS), None)
    dimensions = [k for k in request.group_by if k in DIMENSIONS]
    bounds = (clock.stamp(start), clock.stamp(end))
    query: Query = partial(summarize, db, *bounds, session_id=request.session_id, workflows_only="workflow" in dimensions)
    cut = periods(start, end, unit, clock) if unit else []
    rows = query(cut, dimensions)
    report = StatsReport(title, start, end, clock.name, (["period"] if unit else []) + dimensions, rows, _total(query, rows, dimensions))
    _add_trends(query, report, clock, dimensions, cut if unit == "day" and not dimensions else None)
    return report


Query = Callable[[Sequence[Period], Sequence[str]], list[UsageRow]]  # summarize, for one range and scope


def _total(query: Query, rows: list[UsageRow], dimensions: list[str]) -> UsageRow:
    """The rows summed; but a turn that called two models is in two rows by model, so then it is asked for."""
    if "model" in dimensions:
        found = query([], [])
        return found[0] if found else UsageRow()
    total = UsageRow()
    for row in rows:
        total.add(row)
    return total


def _add_trends(query: Query, report: StatsReport, clock: Clock, dimensions: list[str], daily: list[Period] | None) -> None:
    """Sparklines: the whole range's tokens and cost per day (per week past TREND_DAYS), and each row's tokens."""
    span = report.end - report.start
    unit = HOUR if span <= timedelta(days=1) else "day" if span <= timedelta(days=TREND_DAYS) else "week"
    last = max(min(report.end, clock.now), report.start + timedelta(minutes=1))  # no line of hours yet to come
    cut: list[Period] = list(daily) if daily and unit == "day" else periods(report.start, last, unit, clock)
    by_period = {r.keys.get("period"): r for r in report.rows} if daily and unit == "day" else {
        r.keys["period"]: r for r in query(cut, [])
    }
    report.trend_labels = [p.label for p in cut]
    report.trend = [by_period.get(p.label) for p in cut]
    if dimensions and "period" not in report.keys and len(report.rows) <= 50:
        place = {p.label: i for i, p in enumerate(cut)}
        for row in query(cut, dimensions):
            key = tuple(row.keys.get(k, "") for k in report.keys)
            series = report.row_trends.setdefault(key, [0.0] * len(cut))
            series[place[row.keys["period"]]] += row.prompt_tokens + row.completion_tokens


def session_reports(db: Database, session_id: str, started: str, now: datetime | None = None) -> tuple[StatsReport, StatsReport]:
    """What /stats shows: this session by mode and model, and today by model (both with their trends)."""
    this = build_report(db, StatsRequest(since=started, group_by=("mode", "model"), session_id=session_id), now, "this session")
    today = build_report(db, StatsRequest(since="today", group_by=("model",)), now, "today")
    return this, today
