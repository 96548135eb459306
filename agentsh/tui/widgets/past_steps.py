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


def group_widget(group: str) -> PlanChecklist | StepList:
    return PlanChecklist() if group == "plan" else StepList(group)


class PastSteps(Vertical):
    """One past turn's steps, a widget per group in the order the groups began."""

    DEFAULT_CSS = "PastSteps { height: auto; }"

    def __init__(self, steps: list[Step]) -> None:
        super().__init__(classes="past-steps")
        self.groups: dict[str, PlanChecklist | StepList] = {}
        for step in steps:
            group = group_key(step)
            if group not in self.groups:
                self.groups[group] = group_widget(group)
            self.groups[group].add_step(step)

    def compose(self) -> ComposeResult:
        yield from self.groups.values()
