"""`tools`: the native function-calling loop (the default mode)."""

from __future__ import annotations

from ..agent.loop import run_tool_loop
from ..agent.turn import Turn


class ToolsMode:
    name = "tools"
    summary = "the native function-calling loop: the model calls tools until it can answer"

    async def run(self, turn: Turn) -> None:
        answer = await run_tool_loop(turn, turn.history, turn.add)
        turn.output = answer.content
