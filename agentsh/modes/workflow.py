"""`workflow:NAME`: a workflow file run as a mode (agentsh/workflows/).

The user's message fills the workflow's first input (or a JSON object names them); the answer is
the workflow's `answer` template, or the output of the last node that ran.
"""

from __future__ import annotations

from typing import ClassVar

from ..agent.turn import Turn
from ..errors import WorkflowError
from ..events import Notice, TextDelta
from ..messages import Message
from ..workflows.runner import WorkflowRun
from ..workflows.templates import as_text

PREFIX = "workflow:"


class WorkflowMode:
    name: ClassVar[str] = "workflow"
    summary: ClassVar[str] = "a workflow file: nodes of agents, tools, modes and steps (agentsh workflows list)"

    def __init__(self, workflow: str = "") -> None:
        self.workflow = workflow

    async def run(self, turn: Turn) -> None:
        catalog = turn.workflows
        if catalog is None:
            raise WorkflowError("this session has no workflow files loaded")
        for change in catalog.refresh():
            turn.emit(Notice(message=change.message, level=change.level))
        workflow = catalog.get(self.workflow)
        answer = as_text(await WorkflowRun(workflow, turn, catalog, run_mode).run(turn.user_text))
        turn.emit(TextDelta(delta=answer))
        turn.add(Message(role="assistant", content=answer))
        turn.output = answer


async def run_mode(name: str, turn: Turn) -> None:
    """A mode node: the named mode runs on the node's own turn."""
    from . import get_mode

    await get_mode(name).run(turn)
