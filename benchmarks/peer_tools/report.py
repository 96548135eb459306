"""The one table: each figure per tool (medians), the best peer, and agentsh's ratio to it."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from .measure import READY_TIMEOUT, SCREEN_TIMEOUT
from .tool import FULL_SCREEN, LINE

Cell = list[float] | str  # the samples, or why there are none


@dataclass(frozen=True)
class Row:
    key: str  # "ready", "rss", "resume_ready", "resume_rss", "oneshot", "litellm", "warm", "stream"
    kind: str | None  # FULL_SCREEN, LINE, or None when the figure has no interactive mode
    title: str
    unit: str


ROWS = [
    Row("ready", FULL_SCREEN, "prompt ready for input, full-screen", "ms"),
    Row("ready", LINE, "prompt ready for input, line mode", "ms"),
    Row("oneshot", None, "one-shot answer, cold", "ms"),
    Row("litellm", None, "floor of a cold one-shot: `python -c 'import litellm'` (agentsh's model layer)", "ms"),
    Row("warm", None, "one-shot answer, warm (a running service)", "ms"),
    Row("rss", FULL_SCREEN, "RSS at the ready prompt, full-screen", "MB"),
    Row("rss", LINE, "RSS at the ready prompt, line mode", "MB"),
    Row("resume_ready", FULL_SCREEN, "200-turn conversation resumed: ready, full-screen", "ms"),
    Row("resume_ready", LINE, "200-turn conversation resumed: ready, line mode", "ms"),
    Row("resume_rss", FULL_SCREEN, "200-turn conversation resumed: RSS, full-screen", "MB"),
    Row("resume_rss", LINE, "200-turn conversation resumed: RSS, line mode", "MB"),
    Row("stream", FULL_SCREEN, "20,000 tokens at 2,000/s: server's last byte → last token on screen, full-screen", "ms"),
    Row("stream", LINE, "20,000 tokens at 2,000/s: server's last byte → last token on screen, line mode", "ms"),
]


@dataclass
class Results:
    tools: list[str]
    cells: dict[tuple[str, str | None, str], Cell] = field(default_factory=dict)

    def add(self, row: tuple[str, str | None], tool: str, sample: float) -> None:
        cell = self.cells.get((*row, tool))
        self.cells[(*row, tool)] = [*cell, sample] if isinstance(cell, list) else [sample]

    def explain(self, row: tuple[str, str | None], tool: str, why: str) -> None:
        """Record why `tool` has no figure in `row` (the first reason given stands)."""
        current = self.cells.get((*row, tool))
        if not current:
            self.cells[(*row, tool)] = why

    def median(self, row: Row, tool: str) -> float | None:
        cell = self.cells.get((row.key, row.kind, tool))
        return statistics.median(cell) if isinstance(cell, list) and cell else None

    def text(self, row: Row, tool: str) -> str:
        value = self.median(row, tool)
        if value == math.inf:
            return f"> {SCREEN_TIMEOUT:.0f} s" if row.key == "stream" else f"> {READY_TIMEOUT:.0f} s (no prompt)"
        if value is not None:
            return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
        cell = self.cells.get((row.key, row.kind, tool))
        return cell if isinstance(cell, str) else "—"


def table(results: Results) -> str:
    agentsh, peers = results.tools[0], results.tools[1:]
    header = ["figure", *results.tools, "best peer", "agentsh ÷ best"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        lines.append("| " + " | ".join([f"{row.title} ({row.unit})", *[results.text(row, t) for t in results.tools],
                                        *best_and_ratio(results, row, agentsh, peers)]) + " |")
    return "\n".join(lines)


def best_and_ratio(results: Results, row: Row, agentsh: str, peers: list[str]) -> list[str]:
    figures = {peer: results.median(row, peer) for peer in peers}
    measured = {peer: value for peer, value in figures.items() if value is not None and math.isfinite(value)}
    if not measured:
        return ["none in time" if math.inf in figures.values() else "—", "—"]
    best = min(measured, key=lambda peer: measured[peer])
    ours = results.median(row, agentsh)
    finite = ours is not None and math.isfinite(ours) and 0 < measured[best] < math.inf
    ratio = f"{ours / measured[best]:.2f}×" if finite else "—"
    return [best, ratio]
