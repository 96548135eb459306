"""Each mode's steps, rendered for what they are; the plan checklist updates in place."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

import agentsh.tui
from agentsh.events import Step
from agentsh.tui.widgets.steps import PlanChecklist, StepList, detail_of

from tui_support import screen_text


class Host(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


def tasks(*statuses: str) -> list[dict]:
    return [
        {"id": f"t{i}", "description": f"task {i}", "depends_on": [], "agent": "assistant", "status": status}
        for i, status in enumerate(statuses, 1)
    ]


async def test_the_plan_checklist_follows_each_task_live_through_a_replan_and_an_undo():
    plan = PlanChecklist()
    async with Host(plan).run_test():
        plan.add_step(Step(kind="plan", title="reach the goal", data={"tasks": tasks("pending", "pending")}))
        assert plan.render_rows().plain.splitlines() == ["plan 0/2 · reach the goal", "  ○ task 1 — assistant", "  ○ task 2 — assistant"]
        plan.add_step(Step(kind="task", title="task 1", status="running", data={"id": "t1", "agent": "assistant"}))
        assert plan.status_of("t1") == "running"
        plan.add_step(Step(kind="task", title="task 1", status="done", data={"id": "t1", "result": "found it"}))
        plan.add_step(Step(kind="task", title="task 2", status="failed", data={"id": "t2", "error": "boom"}))
        lines = plan.render_rows().plain.splitlines()
        assert lines[:3] == ["plan 1/2 · reach the goal", "  ✓ task 1 — found it", "  ✗ task 2 — boom"]
        replanned = [{**tasks("done")[0]}, {"id": "t3", "description": "task 3", "depends_on": ["t1"], "agent": "coder", "status": "pending"}]
        plan.add_step(Step(kind="replan", title="reach it another way", status="running", data={"attempt": 1, "error": "boom", "tasks": replanned}))
        plan.add_step(Step(kind="compensate", title="undo write of task t1 with delete", status="done", data={"result": "deleted"}))
        lines = plan.render_rows().plain.splitlines()
        assert lines == [
            "plan 1/2 · reach it another way", "  ✓ task 1 — assistant", "  ○ task 3 — coder",
            "  ↻ replanned (attempt 1) — boom", "  ✓ ↺ undo write of task t1 with delete — deleted",
        ]


async def test_a_step_updates_its_own_row_and_a_new_step_adds_one():
    steps = StepList("pipeline")
    async with Host(steps).run_test():
        steps.add_step(Step(kind="stage", title="1/2 researcher", status="running", data={"index": 1, "agent": "researcher"}))
        steps.add_step(Step(kind="stage", title="1/2 researcher", status="done", data={"output": "notes"}))
        steps.add_step(Step(kind="gate", title="1/2 researcher critic", status="failed", data={"reason": "too thin"}))
        assert steps.render_rows().plain.splitlines() == [
            "pipeline", "  ✓ 1/2 researcher — notes", "  ✗ 1/2 researcher critic — too thin",
        ]


def test_each_kind_shows_what_matters_about_it():
    assert detail_of(Step(kind="route", title="coder", status="done", data={"reason": "it is code"})) == "it is code"
    assert detail_of(Step(kind="route", title="coder", data={"reason": "no valid route", "fallback": True})) == "no valid route (fallback)"
    assert detail_of(Step(kind="critique", title="round 1: revise", status="revise", data={"feedback": "add units"})) == "add units"
    assert detail_of(Step(kind="vote", title="coder's answer wins", data={"tally": {"1": 2, "2": 1}})) == "tally #1: 2, #2: 1"
    assert detail_of(Step(kind="delegate", title="ask the coder", status="failed", data={"error": "timeout"})) == "timeout"
    assert detail_of(Step(kind="manager", title="supervisor", data={"workers": ["coder", "writer"]})) == "workers: coder, writer"
    assert detail_of(Step(kind="event", title="notes #2 from researcher", data={"payload": "the notes"})) == "the notes"
    assert detail_of(Step(kind="thought", title="I will look", data={"thought": "I will look"})) == ""


async def test_a_debate_round_lists_every_debaters_answer():
    steps = StepList("debate")
    async with Host(steps).run_test():
        steps.add_step(Step(kind="round", title="round 1", status="done", data={"round": 1, "answers": {"a": "yes", "b": "no"}}))
        assert steps.render_rows().plain.splitlines() == ["debate", "  ✓ round 1", "      a: yes", "      b: no"]


class StyledHost(Host):
    CSS_PATH = str(Path(agentsh.tui.__file__).parent / "app.tcss")


async def test_at_80_columns_each_step_is_one_row_cut_with_an_ellipsis_not_wrapped_under_the_icons():
    steps = StepList("pipeline")
    async with StyledHost(steps).run_test(size=(80, 10)) as pilot:
        long = "a detail that goes on and on " * 6
        steps.add_step(Step(kind="stage", title="1/2 researcher", status="done", data={"output": long}))
        steps.add_step(Step(kind="stage", title="2/2 writer", status="running"))
        await pilot.pause()
        rows = [line for line in screen_text(pilot.app).splitlines() if line.strip()]
        assert len(rows) == 3, rows
        assert rows[1].rstrip().endswith("…") and rows[2].endswith("◐ 2/2 writer")


async def test_an_event_nobody_subscribed_to_does_not_look_pending_and_one_delegation_is_singular():
    unhandled = StepList("events")
    async with Host(unhandled).run_test():
        unhandled.add_step(Step(kind="event", title="draft #3: no subscriber", status="unhandled"))
        assert "○" not in unhandled.render_rows().plain
    assert detail_of(Step(kind="manager", title="supervisor", status="done", data={"delegations": 1})) == "1 delegation"
    assert detail_of(Step(kind="manager", title="supervisor", status="done", data={"delegations": 2})) == "2 delegations"
