"""Each mode's `Step` events, shown for what they are: a plan as a live checklist, and
the other kinds (route, critique, debate round, delegation, stage, branch, event...) as
titled lists whose rows update in place as their status changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from ...text import counted
from ..literal import one_line

if TYPE_CHECKING:
    from ...events import Step

ICONS = {
    "pending": "○", "running": "◐", "done": "✓", "failed": "✗", "skipped": "–", "pass": "✓", "passed": "✓",
    "revise": "↻", "not_passed": "✗", "published": "•", "delivered": "→", "unhandled": "⊘", "stopped": "■",
    "budget_limited": "■", "reached": "✓", "not_reached": "○",
}
STYLES = {
    "unhandled": "dim", "done": "green", "pass": "green", "passed": "green", "failed": "red", "not_passed": "red", "running": "yellow", "revise": "yellow",
    "reached": "green",
}
GROUPS = {
    "route": "route", "draft": "review", "critique": "review", "round": "debate", "vote": "debate",
    "manager": "delegation", "delegate": "delegation", "stage": "pipeline", "gate": "pipeline",
    "branch": "branches", "aggregate": "branches", "event": "events", "thought": "reasoning", "mode": "nested",
    "workflow": "workflow", "node": "workflow", "agreement": "consensus", "escalate": "escalation",
}
DETAIL_CHARS = 100
NODE_DETAIL_CHARS = 40  # a workflow node's output, after its name in the tree


def icon(status: str | None) -> Text:
    return Text(ICONS.get(status or "", "•"), style=STYLES.get(status or "", ""))


def group_of(kind: str) -> str:
    return GROUPS.get(kind, kind)


DETAIL_KEYS = {
    "route": ("reason",), "draft": (), "critique": ("feedback",), "round": (), "manager": (),
    "delegate": ("error", "answer", "worker"), "stage": ("output",), "gate": ("reason",),
    "branch": ("error", "answer", "agent"), "aggregate": ("agent",), "event": ("payload",), "thought": ("thought",),
    "workflow": (), "node": ("error", "reason", "output"), "mode": ("error", "answer"), "agreement": ("reason",), "escalate": ("reason",),
}
FALLBACK_KEYS = ("error", "result", "feedback", "reason", "answer", "output", "payload")


def detail_of(step: Step) -> str:
    """The one line that says most about a step, taken from its data (never a repeat of its title)."""
    data = step.data
    if step.kind == "route" and data.get("fallback"):
        return f"{data.get('reason') or ''} (fallback)".strip()
    if step.kind == "vote":
        return "tally " + ", ".join(f"#{k}: {v}" for k, v in (data.get("tally") or {}).items())
    if step.kind == "manager":
        workers = data.get("workers")
        return f"workers: {', '.join(workers)}" if workers else counted(int(data.get("delegations") or 0), "delegation")
    keys = DETAIL_KEYS.get(step.kind, FALLBACK_KEYS)
    detail = next((str(data[key]) for key in keys if data.get(key)), "")
    return "" if detail.strip() == step.title.strip() else detail


def row_text(status: str | None, title: str, detail: str = "", indent: int = 2) -> Text:
    line = Text(" " * indent)
    line.append_text(icon(status))
    line.append(" " + one_line(title, DETAIL_CHARS))
    if detail:
        line.append(" — " + one_line(detail, DETAIL_CHARS), style="dim")
    return line


def one_row_each(lines: list[Text]) -> Text:
    """The lines, each cut to the width with an ellipsis rather than wrapped under the icons."""
    text = Text("\n").join(lines)
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


@dataclass
class _Row:
    status: str | None
    title: str
    detail: str
    extra: list[str] = field(default_factory=list)
    parent: tuple | None = None  # the key of the row this one hangs under (a workflow's node under its workflow)


class StepList(Static):
    """One group of steps (e.g. "pipeline"): a row per step, updated when its status changes."""

    def __init__(self, group: str) -> None:
        super().__init__(classes=f"steps -{group}")
        self.group = group
        self.rows: dict[tuple, _Row] = {}

    def add_step(self, step: Step) -> None:
        key = ("id", step.id) if step.id else (step.kind, step.title)
        extra = [f"{agent}: {one_line(answer, DETAIL_CHARS)}" for agent, answer in (step.data.get("answers") or {}).items()]
        parent = ("id", step.parent_id) if step.parent_id else None
        detail = one_line(detail_of(step), NODE_DETAIL_CHARS) if step.kind == "node" else detail_of(step)  # a tree stays readable
        self.rows[key] = _Row(step.status, _titled(step), detail, extra, parent)
        self.update(self.render_rows())

    def render_rows(self) -> Text:
        """A row per step; a step with a parent in this list is drawn under it, indented (a tree)."""
        lines = [Text(self.group, style="bold")]
        children: dict[tuple | None, list[_Row]] = {}
        for row in self.rows.values():
            children.setdefault(row.parent if row.parent in self.rows else None, []).append(row)
        self._render_level(children, None, 2, lines)
        return one_row_each(lines)

    def _render_level(self, children: dict[tuple | None, list[_Row]], parent: tuple | None, indent: int, lines: list[Text]) -> None:
        for row in children.get(parent, []):
            lines.append(row_text(row.status, row.title, row.detail, indent))
            lines += [Text(" " * (indent + 4) + line, style="dim") for line in row.extra]
            key = next(k for k, v in self.rows.items() if v is row)
            if key in children:
                self._render_level(children, key, indent + 2, lines)


def _titled(step: Step) -> str:
    """A workflow's node says what kind it is: "search (agent)"."""
    if step.kind == "node" and step.data.get("kind"):
        return f"{step.title} ({step.data['kind']})"
    return f"workflow {step.title}" if step.kind == "workflow" else step.title


class PlanChecklist(Static):
    """The planner's plan: one row per task, statuses updated live; replans and undos noted."""

    def __init__(self) -> None:
        super().__init__(classes="steps -plan")
        self.goal = ""
        self.tasks: dict[str, _Row] = {}
        self.notes: list[Text] = []

    def add_step(self, step: Step) -> None:
        if step.kind in ("plan", "replan"):
            self._set_plan(step)
        elif step.kind == "task":
            self._set_task(step)
        elif step.kind == "compensate":
            self.notes.append(row_text(step.status, "↺ " + step.title, str(step.data.get("result") or "")))
        self.update(self.render_rows())

    def status_of(self, task_id: str) -> str | None:
        return self.tasks[task_id].status

    def _set_plan(self, step: Step) -> None:
        self.goal = step.title
        if step.kind == "replan":
            reason = f"replanned (attempt {step.data.get('attempt', '?')})"
            self.notes.append(row_text("revise", reason, str(step.data.get("error") or "")))
        self.tasks = {
            str(task["id"]): _Row(task.get("status"), str(task.get("description", task["id"])), str(task.get("agent") or ""))
            for task in step.data.get("tasks", [])
        }

    def _set_task(self, step: Step) -> None:
        task_id = str(step.data.get("id", step.title))
        detail = str(step.data.get("error") or step.data.get("result") or step.data.get("agent") or "")
        self.tasks[task_id] = _Row(step.status, step.title, detail)

    def render_rows(self) -> Text:
        done = sum(1 for row in self.tasks.values() if row.status == "done")
        header = Text.assemble(("plan", "bold"), f" {done}/{len(self.tasks)} · ", (one_line(self.goal, DETAIL_CHARS), "italic"))
        lines = [header] + [row_text(row.status, row.title, row.detail) for row in self.tasks.values()] + self.notes
        return one_row_each(lines)
