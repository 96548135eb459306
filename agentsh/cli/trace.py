"""`agentsh sessions trace ID [--turn N] [--json]`: a turn's step tree, one line a step."""

from __future__ import annotations

from ..costs import dollars
from ..text import format_duration
from ..trace import Trace, TraceNode

TITLE_CHARS = 60


def trace_lines(trace: Trace) -> list[str]:
    """The header, one line per node (indented under its parent), then the totals."""
    lines = [_header(trace)]
    for root in trace.roots:
        lines += _node_lines(root, 0)
    lines.append(_totals(trace))
    return lines


def _header(trace: Trace) -> str:
    turn = trace.turn
    if turn is None:
        return "trace"
    return f"turn {turn.number} of session {turn.session_id} · mode {turn.mode} · model {turn.model} · {turn.status}"


def _node_lines(node: TraceNode, depth: int) -> list[str]:
    lines = [f"{'  ' * depth}{node.number:>3}. {_describe(node)}"]
    for child in node.children:
        lines += _node_lines(child, depth + 1)
    return lines


def _describe(node: TraceNode) -> str:
    title = " ".join(node.title.split())
    title = title[:TITLE_CHARS] + ("…" if len(title) > TITLE_CHARS else "")
    parts = [f"{node.kind_name}: {title}"]
    if node.agent:
        parts.append(f"agent {node.agent}")
    if node.status:
        parts.append(node.status)
    if node.reused:
        parts.append("reused (the original turn's answer, not asked again)")
    parts += _figures(node)
    return " · ".join(parts)


def _figures(node: TraceNode) -> list[str]:
    figures = []
    if node.model_calls and node.kind != "model":
        figures.append(f"{node.model_calls} call{'s' if node.model_calls != 1 else ''}")
    if node.prompt_tokens or node.completion_tokens:
        figures.append(f"{node.prompt_tokens:,} in / {node.completion_tokens:,} out")
    if node.model_calls:
        figures.append("cost unknown" if node.cost is None else dollars(node.cost))
    if node.duration_ms is not None:
        figures.append(format_duration(node.duration_ms))
    return figures


def _totals(trace: Trace) -> str:
    totals = trace.totals
    if not totals:
        return "(the turn ended without a summary)"
    cost = "unknown" if totals.get("cost") is None else dollars(totals["cost"])
    took = f" · {format_duration(totals['duration_ms'])}" if totals.get("duration_ms") is not None else ""
    reused = sum(node.reused for node in trace.nodes)
    calls = f"{totals.get('model_calls', 0)} model calls" + (f" ({reused} reused)" if reused else "")
    return f"total: {calls} · {totals.get('total_tokens', 0):,} tokens · {cost}{took}"
