"""Mode progress (`Step` events) as short lines for the plain REPL.

    ✓ task t1: read the file
    → route: coder — the request is about code
    ↻ critique: round 1: revise — say why the test fails

A plan or replan also lists its tasks, one line each. A step inside a nested mode run (a mode
profile at work) is indented under that run's "mode" step, two spaces per level (`StepTree`).
The text is not yet made safe for the terminal: the caller neutralizes it like any other model text.
"""

from __future__ import annotations

from typing import Any

from ..events import Step
from ..text import counted

GLYPHS = {
    "running": "▸", "done": "✓", "pass": "✓", "passed": "✓", "failed": "✗", "not_passed": "✗",
    "revise": "↻", "skipped": "–", "stopped": "■", "published": "•", "pending": "○", "budget_limited": "■", "reached": "✓", "not_reached": "○",
}
# The data field worth a few words after the title, per step kind.
DETAILS: dict[str, str | tuple[str, ...]] = {
    "route": "reason", "critique": "feedback", "gate": "reason", "task": "error", "branch": "error",
    "delegate": "error", "replan": "error", "node": ("error", "reason"), "compensate": "result", "mode": "error", "escalate": "reason",
    "agreement": "reason",
}
TITLE_LIMIT = 100
DETAIL_LIMIT = 80
ID_LIMIT = 24


class StepTree:
    """How deep each step of a turn sits: under its parent step (a workflow's node under the workflow) or,
    for a nested mode run (a mode profile at work), at the depth its "mode" step gives."""

    def __init__(self) -> None:
        self.child_depths: dict[str, int] = {}  # step id -> how deep the steps under it sit

    def depth(self, step: Step) -> int:
        depth = self.child_depths.get(step.parent_id, 0) if step.parent_id else 0
        if step.id is not None:
            self.child_depths[step.id] = int(step.data.get("depth", 1)) if step.kind == "mode" else depth + 1
        return depth


def step_lines(step: Step) -> list[str]:
    """One headline, and for a plan or a replan one line per task."""
    lines = [_headline(step)]
    if step.kind in ("plan", "replan"):
        lines += [_task_entry(task) for task in step.data.get("tasks", [])]
    return lines


def _headline(step: Step) -> str:
    glyph = GLYPHS.get(step.status or "", "•")
    task_id = _short_id(step.data.get("id"), step.title) if step.kind == "task" else None
    label = f"task {task_id}" if task_id else step.kind
    text = f"{glyph} {label}: {first_line(step.title, TITLE_LIMIT)}"
    detail = _detail(step)
    return f"{text} — {detail}" if detail else text


def _detail(step: Step) -> str:
    if step.kind == "manager" and "delegations" in step.data:
        return counted(int(step.data["delegations"] or 0), "delegation")
    if step.kind == "replan" and "attempt" in step.data:
        return f"attempt {step.data['attempt']}"
    keys = DETAILS.get(step.kind, ())
    value: Any = next((step.data[key] for key in ((keys,) if isinstance(keys, str) else keys) if step.data.get(key)), None)
    return first_line(str(value), DETAIL_LIMIT) if value else ""


def _task_entry(task: dict[str, Any]) -> str:
    glyph = GLYPHS.get(task.get("status", "pending"), "○")
    after = task.get("depends_on") or []
    where = task.get("agent", "")
    if after:
        where += f", after {', '.join(after)}"
    description = task.get("description", "")
    task_id = _short_id(task.get("id"), description)
    shown = f"{task_id}  " if task_id else ""
    return f"    {glyph} {shown}{first_line(description, TITLE_LIMIT)}  ({where})"


def _short_id(task_id: Any, description: str) -> str | None:
    """A task id worth showing: short, and not just the description again."""
    if not isinstance(task_id, str) or len(task_id) > ID_LIMIT or task_id == description:
        return None
    return task_id


def first_line(text: str, limit: int) -> str:
    """The first non-blank line, cut to `limit` characters, saying when more was left out."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else ""
    if len(line) > limit:
        return line[: limit - 1] + "…"
    return line + (" …" if len(lines) > 1 else "")
