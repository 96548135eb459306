"""Run one agent profile on a task, as its own tool loop, apart from the session history."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..errors import AgentshError, BudgetExceededError, NestingLimitError
from ..messages import Message, system, user
from ..tools.executor import ToolExecutor
from .loop import run_tool_loop
from .nesting import run_nested
from .turn import Turn

T = TypeVar("T")


@dataclass
class AgentRun:
    agent: str
    answer: str
    messages: list[Message] = field(default_factory=list)
    step_limited: bool = False
    cut: bool = False  # its answer stopped at the model's token cap

    def tool_calls(self) -> list[tuple[str, str, str]]:
        """(tool name, raw arguments, result) of every call that returned without error, in order."""
        results = {m.tool_call_id: m.content for m in self.messages if m.role == "tool"}
        return [
            (c.name, c.arguments, results[c.id]) for m in self.messages for c in m.tool_calls
            if c.id in results and not results[c.id].startswith("Error:")
        ]


async def run_agent(
    turn: Turn,
    profile_name: str,
    task: str,
    *,
    context: list[Message] | None = None,
    label: str | None = None,
    executor: ToolExecutor | None = None,
    max_steps: int | None = None,
) -> AgentRun:
    """`task` goes to the profile as a user message after `context`; its events carry `label`.

    A mode profile runs its whole mode (agent/nesting.py); its answer is the run's.
    """
    profile = turn.profile(profile_name)
    if profile.runs_apart:
        nested = await run_nested(turn, profile, task, context or [], label or profile_name)
        turn.finished_agents.append((label or profile_name, nested.output))
        return AgentRun(agent=label or profile_name, answer=nested.output, step_limited=nested.step_limited, cut=nested.cut)
    messages = [system(profile.system_prompt), *(context or []), user(task)]
    label = label or profile_name
    tools = profile.tools if executor is None else None
    answer = await run_tool_loop(
        turn, messages, tools=tools, agent=label, model=turn.model_for(profile),
        executor=executor, temperature=profile.temperature, max_steps=max_steps,
    )
    turn.finished_agents.append((label, answer.content))
    return AgentRun(agent=label, answer=answer.content, messages=messages, step_limited=answer.step_limited, cut=answer.cut)


def stops_the_turn(error: BaseException) -> bool:
    """An error no agent's failure stands for: it ends the whole turn, wherever it is raised."""
    return isinstance(error, (BudgetExceededError, NestingLimitError))


def prior_conversation(turn: Turn) -> list[Message]:
    """Earlier turns as plain user/assistant text, for sub-agents' context (no system prompt, no tool traffic)."""
    earlier = turn.history[:-1] if turn.history and turn.history[-1].role == "user" else turn.history
    spoken = [m for m in earlier if m.role in ("user", "assistant") and m.content and not m.tool_calls]
    return [Message(role=m.role, content=m.content) for m in spoken]


async def gather_settled(coroutines: list[Coroutine[Any, Any, T]]) -> list[T | AgentshError]:
    """Run concurrently to the end; each result, or the AgentshError it failed with (a failed agent).

    Anything else one raised (a bug), or a stop that is the whole turn's (a budget spent, modes nested too
    deep), is raised once all have ended; cancelling this cancels them all.
    """
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    settled: list[T | AgentshError] = []
    for result in results:
        if isinstance(result, BaseException) and (not isinstance(result, AgentshError) or stops_the_turn(result)):
            raise result
        settled.append(result)
    return settled


async def gather_or_cancel(coroutines: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run concurrently; when one fails (a model error), cancel the others and raise its error as is."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
