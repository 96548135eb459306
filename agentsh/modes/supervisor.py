"""`supervisor`: a manager agent delegates tasks to worker agents and combines their answers.

The manager (profile `supervisor`) runs a tool loop whose only tool is
`delegate(worker, task)`. Each delegation runs the worker as its own tool loop (its own
profile and tools); only the worker's final answer goes back to the manager. The number
of delegations per turn is capped; past the cap `delegate` tells the manager to answer.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..agent.loop import run_tool_loop
from ..agent.subagent import run_agent
from ..agent.turn import Turn
from ..errors import ToolError
from ..events import Step
from ..messages import Message, system
from ..tools.executor import ToolExecutor
from ..tools.registry import ToolRegistry
from ..tools.tool import Tool, make_tool

MANAGER = "supervisor"
# A delegation runs a whole agent loop: its model calls and tools have their own timeouts.
DELEGATION_TIMEOUT = 3600.0


class SupervisorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workers: list[str] = Field(default_factory=lambda: ["researcher", "coder", "writer"], min_length=1)
    max_delegations: int = Field(6, ge=1, le=100)


class SupervisorMode:
    name = "supervisor"
    settings_schema = SupervisorConfig  # its [modes.supervisor] table
    summary = "a manager agent delegates focused tasks to worker agents and combines their answers"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config("supervisor", SupervisorConfig)
        manager = turn.profile(MANAGER)
        team = Team(turn, list(dict.fromkeys(config.workers)), config.max_delegations)
        executor = ToolExecutor(
            ToolRegistry([team.tool()]), turn.executor.approvals,
            timeout=DELEGATION_TIMEOUT, max_output_chars=turn.executor.max_output_chars,
        )
        messages = [system(team.manager_prompt(manager.system_prompt)), *turn.history[1:]]
        turn.emit(Step(kind="manager", title=MANAGER, status="running", data={"workers": team.workers}))
        answer = await run_tool_loop(
            turn, messages, model=turn.model_for(manager), executor=executor, temperature=manager.temperature
        )
        turn.emit(Step(kind="manager", title=MANAGER, status="done", data={"delegations": team.count}))
        turn.add(Message(role="assistant", content=answer.content, step_limited=answer.step_limited, cut=answer.cut))
        turn.output = answer.content


class Team:
    """The workers of one turn, and the `delegate` tool that runs them."""

    def __init__(self, turn: Turn, workers: list[str], limit: int) -> None:
        self.turn = turn
        self.profiles = {name: turn.profile(name) for name in workers}
        self.workers = workers
        self.limit = limit
        self.count = 0

    def manager_prompt(self, base: str) -> str:
        listing = "\n".join(f"- {name}: {p.summary}" for name, p in self.profiles.items())
        return (
            f"{base}\n\nYour workers:\n{listing}\n\n"
            "A worker sees only the task you give it, so make each task self-contained. "
            f"You may delegate at most {self.limit} times this turn. When you have what you need, "
            "answer the user yourself, without calling delegate."
        )

    def tool(self) -> Tool:
        async def delegate(worker: str, task: str) -> str:
            return await self.delegate(worker, task)

        delegate.__annotations__ = {
            "worker": Annotated[str, Field(description="the worker's name", json_schema_extra={"enum": [*self.workers]})],
            "task": Annotated[str, Field(description="a focused, self-contained task for that worker")],
            "return": str,
        }
        return make_tool(delegate, description="Give one task to a worker agent and get back its final answer.")

    async def delegate(self, worker: str, task: str) -> str:
        if worker not in self.profiles:
            raise ToolError(f"unknown worker {worker!r}; valid workers: {', '.join(self.workers)}")
        if not task.strip():
            raise ToolError("the task is empty; say what the worker should do")
        if self.count >= self.limit:
            raise ToolError(
                f"the delegation limit ({self.limit} per turn) is reached: do not call delegate again; "
                "answer the user now with what the workers have told you"
            )
        self.count += 1
        index = self.count
        title = f"{worker}: {task}"
        self.turn.emit(Step(kind="delegate", title=title, status="running", data={"index": index, "worker": worker}))
        try:
            run = await run_agent(self.turn, worker, task)
        except Exception as error:
            self.turn.emit(Step(kind="delegate", title=title, status="failed", data={"index": index, "error": str(error)}))
            raise
        self.turn.emit(Step(kind="delegate", title=title, status="done", data={"index": index, "answer": run.answer}))
        self.turn.progress = f"{self.turn.progress}\n\n[{worker}] {run.answer}".strip()
        if run.step_limited:
            return f"{run.answer}\n\n(note: {worker} ran out of steps; this answer may be incomplete)"
        return run.answer
