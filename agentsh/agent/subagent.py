"""Run one agent profile on a task, as its own tool loop, apart from the session history."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..messages import Message, system, user
from ..tools.executor import ToolExecutor
from .loop import run_tool_loop
from .turn import Turn


@dataclass
class AgentRun:
    agent: str
    answer: str
    messages: list[Message] = field(default_factory=list)
    step_limited: bool = False

    def tool_calls(self) -> list[tuple[str, str]]:
        """(tool name, raw arguments) of every call that returned without error, in order."""
        failed = {m.tool_call_id for m in self.messages if m.role == "tool" and m.content.startswith("Error:")}
        return [(c.name, c.arguments) for m in self.messages for c in m.tool_calls if c.id not in failed]


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
    """`task` goes to the profile as a user message after `context`; its events carry `label`."""
    profile = turn.profile(profile_name)
    messages = [system(profile.system_prompt), *(context or []), user(task)]
    label = label or profile_name
    tools = profile.tools if executor is None else None
    answer = await run_tool_loop(
        turn, messages, tools=tools, agent=label, model=turn.model_for(profile),
        executor=executor, temperature=profile.temperature, max_steps=max_steps,
    )
    return AgentRun(agent=label, answer=answer.content, messages=messages, step_limited=answer.step_limited)
