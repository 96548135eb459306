"""A usage report drawn: bar charts and sparklines on a terminal (Rich's `Bar`, Textual's `Sparkline`
renderable), aligned plain lines on a pipe, JSON or CSV for programs.

Every value that came from the store (a model, mode or session name) is shown as text, never as markup.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..costs import cost_text, dollars
from ..store.usage import UsageRow
from ..terminal import neutralize
from .report import StatsReport

COLUMNS = ("turns", "model_calls", "tokens_in", "tokens_cached", "tokens_out", "cost", "unpriced_calls")
_HEADINGS = {"period": "period", "model": "model", "mode": "mode", "workflow": "workflow", "session": "session"}


def compact(count: int) -> str:
    """1,234 · 12.3k · 4.56M: counts that fit a column."""
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def row_cost(row: UsageRow) -> str:
    return cost_text(row.cost, row.unpriced_calls, row.calls) if row.calls else "—"


def total_line(row: UsageRow) -> str:
    """"1,204 turns · 3,310 model calls · 12.3M in (4.1M cached) · 610k out · ≥ $12.34 + unknown (12 calls unpriced)"."""
    unpriced = f" ({row.unpriced_calls:,} call{'' if row.unpriced_calls == 1 else 's'} unpriced)" if row.unpriced_calls else ""
    cached = f" ({compact(row.cached_tokens)} cached)" if row.cached_tokens else ""
    return (
        f"{_plural(row.turns, 'turn')} · {_plural(row.calls, 'model call')} · {compact(row.prompt_tokens)} in{cached} · "
        f"{compact(row.completion_tokens)} out · {row_cost(row) if row.calls else dollars(0)}{unpriced}"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def heading(report: StatsReport) -> str:
    return f"{report.title} · {span_text(report.start, report.end)} · {report.zone}"


def span_text(start: datetime, end: datetime) -> str:
    """The range as the user gave it: whole days by their last day ("2026-11-19 – 2026-12-02", today alone
    "2026-12-02"), not by the midnight that ends them; a range that ends at a time, to that time."""
    first = f"{start:%Y-%m-%d %H:%M}".removesuffix(" 00:00")
    if (end.hour, end.minute, end.second, end.microsecond) != (0, 0, 0, 0):
        return f"{first} – {end:%Y-%m-%d %H:%M}"
    last_day = f"{end - timedelta(days=1):%Y-%m-%d}"
    if last_day != f"{start:%Y-%m-%d}":
        return f"{first} – {last_day}"
    return last_day if first == last_day else f"{last_day} from {start:%H:%M}"


# a terminal -------------------------------------------------------------------------------

def rich_report(report: StatsReport, width: int = 80) -> RenderableType:
    """Heading, totals, sparklines of tokens and cost, and a table with a bar chart of cost (or tokens)."""
    parts: list[RenderableType] = [Text(heading(report), style="bold"), Text(total_line(report.total))]
    parts += _sparklines(report, width)
    if report.rows:
        parts.append(_table(report, width))
    else:
        parts.append(Text("no model calls in this range", style="dim"))
    return Group(*parts)


def _sparklines(report: StatsReport, width: int) -> list[RenderableType]:
    from textual.renderables.sparkline import Sparkline  # Textual's renderable: only for a terminal

    if not report.trend or not any(report.trend):
        return []
    tokens = [float(r.prompt_tokens + r.completion_tokens) if r else 0.0 for r in report.trend]
    costs = [r.cost if r else 0.0 for r in report.trend]
    span = f"{report.trend_labels[0]} … {report.trend_labels[-1]}, {len(report.trend_labels)} × {_trend_unit(report)}"
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=7)
    grid.add_column(width=min(len(tokens), max(width - 30, 10)))
    grid.add_column()
    grid.add_row(Text("tokens", style="dim"), Sparkline(tokens, width=None), Text(compact(int(max(tokens))) + " max", style="dim"))
    if any(costs):
        grid.add_row(Text("cost", style="dim"), Sparkline(costs, width=None), Text(dollars(max(costs)) + " max", style="dim"))
    return [grid, Text(f"        {span}", style="dim", overflow="ellipsis", no_wrap=True)]


def _trend_unit(report: StatsReport) -> str:
    first = report.trend_labels[0]
    return "hour" if first.endswith(":00") else "week" if "-W" in first else "day"


def _table(report: StatsReport, width: int) -> Table:
    """A grid of three cells a row: the figures as one line of fixed-width columns (Rich measuring and padding
    each of the ~800 cells of a 90-day table separately costs ~0.2 s), the bar, and the row's trend."""
    from textual.renderables.sparkline import Sparkline

    by_cost = any(r.cost for r in report.rows)
    largest = max((r.cost if by_cost else r.prompt_tokens + r.completion_tokens for r in report.rows), default=0) or 1
    headings = [*(_HEADINGS[k] for k in report.keys), "turns", "calls", "in", "cached", "out", "cost"]
    limit = max(12, min(28, width // 3))
    cells = [
        [*(_shown_name(row.keys.get(k, ""), limit) for k in report.keys), *(compact(n) for n in _counts(row)), row_cost(row)]
        for row in report.rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headings)]
    for dropped in ("cached", "calls", "in", "out"):  # a narrow terminal keeps the names, turns and cost
        if sum(widths) + len(widths) + 10 <= width:
            break
        index = headings.index(dropped)
        del headings[index], widths[index]
        for shown in cells:
            del shown[index]
    names = len(report.keys)
    trends = bool(report.row_trends) and width >= 100
    line_width = sum(widths) + len(widths) - 1
    table = Table.grid(padding=(0, 1, 0, 0))
    table.add_column(width=line_width, no_wrap=True)
    table.add_column(width=max(width - line_width - 2 - (13 if trends else 0), 8), no_wrap=True)
    if trends:
        table.add_column(width=12, no_wrap=True)
    header = [Text(_aligned(headings, widths, names), style="bold"), Text("" if by_cost else "tokens", style="bold")]
    table.add_row(*header, *([Text("trend", style="bold")] if trends else []))
    for row, shown in zip(report.rows, cells, strict=True):
        line = Text(_aligned(shown[:-1], widths[:-1], names) + " ")
        line.append(shown[-1].rjust(widths[-1]), style="yellow" if row.unpriced_calls else "")
        extra = [Sparkline(report.row_trends.get(report.row_key(row), [0.0]), width=12)] if trends else []
        table.add_row(line, _bar(row.cost if by_cost else row.prompt_tokens + row.completion_tokens, largest), *extra)
    return table


def _shown_name(name: str, limit: int = 28) -> str:
    shown = neutralize(name or "(none)")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _aligned(cells: list[str], widths: list[int], left: int) -> str:
    """Names left-aligned, figures right-aligned, one space apart."""
    return " ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def _counts(row: UsageRow) -> tuple[int, ...]:
    return (row.turns, row.calls, row.prompt_tokens, row.cached_tokens, row.completion_tokens)


def _bar(value: float, largest: float) -> RenderableType:
    from rich.bar import Bar

    return Bar(size=largest, begin=0, end=value, color="cyan")


# a pipe, a program --------------------------------------------------------------------------

def plain_report(report: StatsReport) -> str:
    """Aligned columns, no colour and no charts: for a pipe or a file."""
    header = [*(_HEADINGS[k] for k in report.keys), "turns", "calls", "in", "cached", "out", "cost"]
    lines = [[*(r.keys.get(k, "") or "(none)" for k in report.keys), *_numbers(r), row_cost(r)] for r in report.rows]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    left = len(report.keys)

    def aligned(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    body = [aligned(header), *(aligned(line) for line in lines)] if lines else ["no model calls in this range"]
    return "\n".join([heading(report), total_line(report.total), "", *body]) + "\n"


def _numbers(row: UsageRow) -> list[str]:
    return [str(n) for n in (row.turns, row.calls, row.prompt_tokens, row.cached_tokens, row.completion_tokens)]


def record(row: UsageRow, keys: list[str]) -> dict[str, Any]:
    """A row for JSON and CSV: cost is what the priced calls cost, null when none was priced."""
    priced = row.calls - row.unpriced_calls
    return {
        **{k: row.keys.get(k) for k in keys},
        "turns": row.turns, "model_calls": row.calls, "tokens_in": row.prompt_tokens, "tokens_cached": row.cached_tokens,
        "tokens_out": row.completion_tokens, "cost": round(row.cost, 8) if priced > 0 or not row.calls else None,
        "cost_complete": row.unpriced_calls == 0, "unpriced_calls": row.unpriced_calls,
    }


def json_report(report: StatsReport) -> str:
    document = {
        "since": report.start.isoformat(), "until": report.end.isoformat(), "time_zone": report.zone,
        "group_by": report.keys, "total": record(report.total, []), "rows": [record(r, report.keys) for r in report.rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def csv_report(report: StatsReport) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*report.keys, *COLUMNS[:5], "cost", "cost_complete", "unpriced_calls"], lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow({k: _csv_cell(v) for k, v in record(row, report.keys).items()})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    """A cell as spreadsheets and other programs read it: true/false as in JSON (not Python's True), nothing for null."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def as_text(renderable: RenderableType, width: int) -> str:
    """A renderable as plain lines (bars and sparklines as block characters, no colour): for the REPL."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, highlight=False, record=True)
    console.print(renderable)
    return console.export_text(styles=False).rstrip("\n")


def session_text(reports: tuple[StatsReport, StatsReport], width: int = 80) -> str:
    """/stats in the REPL: this session and today, with their charts."""
    return "\n\n".join(as_text(rich_report(report, width), width) for report in reports)


def cost_summary(report: StatsReport) -> str:
    """/cost: this session's totals, then by mode and model."""
    if not report.rows:
        return "no model calls in this session yet"
    return plain_report(report).split("\n", 1)[1].rstrip("\n")
