"""A finished turn's mode steps (plan checklists, routes, verdicts, workflow trees), drawn as they were live.

`group_key` and `group_widget` are what the live transcript (tui/turn_view.py) uses too, so a
resumed turn looks as it did while it ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical

from .steps import PlanChecklist, StepList, group_of

if TYPE_CHECKING:
    from ...events import Step

PLAN_KINDS = ("plan", "task", "replan", "compensate")


def group_key(step: Step) -> str:
    """Which widget shows a step: the plan checklist, or a list per kind of step."""
    in_workflow = step.kind == "compensate" and "workflow" in step.data  # a workflow's undo: shown in its tree
    return "plan" if step.kind in PLAN_KINDS and not in_workflow else group_of("node" if in_workflow else step.kind)


GroupKey = tuple[str, str | None]  # a group of steps, within the nested mode run it belongs to (None: the turn's own)


class StepPlacer:
    """Where each step of a turn is drawn. A nested mode run (a mode profile at work) gets its own groups,
    indented under its "mode" row: a tree. A workflow's nodes stay in their workflow's list, which draws
    them as a tree itself."""

    def __init__(self) -> None:
        self.depths: dict[str, int] = {}  # each nested run's "mode" step id → how deep its steps sit
        self.runs: dict[str, str | None] = {}  # each step id → the nested run it belongs to

    def place(self, step: Step) -> tuple[GroupKey, int]:
        """The step's group key, and how deep its nested run sits (0: the turn's own mode)."""
        parent = step.parent_id
        run = parent if parent in self.depths else self.runs.get(parent) if parent else None
        if step.id is not None:
            self.runs[step.id] = run
            if step.kind == "mode":
                self.depths[step.id] = int(step.data.get("depth", 1))
        return (group_key(step), run), self.depths.get(run, 0) if run else 0


def group_widget(group: str, depth: int = 0) -> PlanChecklist | StepList:
    widget = PlanChecklist() if group == "plan" else StepList(group)
    if depth:
        widget.add_class(f"-depth-{min(depth, 4)}")
    return widget


class PastSteps(Vertical):
    """One past turn's steps, a widget per group in the order the groups began."""

    DEFAULT_CSS = "PastSteps { height: auto; }"

    def __init__(self, steps: list[Step]) -> None:
        super().__init__(classes="past-steps")
        self.groups: dict[GroupKey, PlanChecklist | StepList] = {}
        placer = StepPlacer()
        for step in steps:
            key, depth = placer.place(step)
            if key not in self.groups:
                self.groups[key] = group_widget(key[0], depth)
            self.groups[key].add_step(step)

    def compose(self) -> ComposeResult:
        yield from self.groups.values()
