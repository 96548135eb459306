"""A workflow's steps drawn as a tree: the TUI's step list nests each node under its workflow (a nested
workflow under the node that runs it) and updates rows in place; the REPL indents by depth."""

from __future__ import annotations

import io

from textual.app import App

from agentsh.events import Step
from agentsh.repl.render import TranscriptPrinter
from agentsh.tui.widgets.steps import StepList


class Host(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


RUN = [
    Step(kind="workflow", id="w", title="outer", status="running"),
    Step(kind="node", id="w/a", parent_id="w", title="a", status="pending", data={"kind": "agent"}),
    Step(kind="node", id="w/b", parent_id="w", title="b", status="pending", data={"kind": "workflow"}),
    Step(kind="node", id="w/a", parent_id="w", title="a", status="done", data={"kind": "agent", "output": "facts"}),
    Step(kind="node", id="w/b", parent_id="w", title="b", status="running", data={"kind": "workflow"}),
    Step(kind="workflow", id="v", parent_id="w/b", title="inner", status="running"),
    Step(kind="node", id="v/c", parent_id="v", title="c", status="running", data={"kind": "tool"}),
]


async def test_the_tui_draws_nodes_under_their_workflow_and_a_nested_workflow_under_its_node():
    steps = StepList("workflow")
    async with Host(steps).run_test():
        for step in RUN:
            steps.add_step(step)
        assert steps.render_rows().plain.splitlines() == [
            "workflow",
            "  ◐ workflow outer",
            "    ✓ a (agent) — facts",
            "    ◐ b (workflow)",
            "      ◐ workflow inner",
            "        ◐ c (tool)",
        ]


def test_the_repl_indents_each_step_by_its_depth_and_leaves_out_pending_nodes():
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=False)
    for step in RUN:
        printer.show(step)
    assert out.getvalue().splitlines() == [
        "▸ workflow: outer",
        "  ✓ node: a",
        "  ▸ node: b",
        "    ▸ workflow: inner",
        "      ▸ node: c",
    ]


NOT_RUN = Step(kind="node", id="w/a", parent_id="w", title="a", status="skipped", data={"kind": "agent", "reason": "not run: the workflow failed"})


async def test_the_tui_says_why_a_node_did_not_run():
    steps = StepList("workflow")
    async with Host(steps).run_test():
        for step in (RUN[0], RUN[1], NOT_RUN):
            steps.add_step(step)
        assert "    – a (agent) — not run: the workflow failed" in steps.render_rows().plain.splitlines()


def test_the_repl_says_why_a_node_did_not_run():
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=False)
    for step in (RUN[0], NOT_RUN):
        printer.show(step)
    assert "  – node: a — not run: the workflow failed" in out.getvalue().splitlines()
