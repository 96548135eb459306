"""What an orchestration mode is: a coroutine that runs one turn."""

from __future__ import annotations

from typing import ClassVar, Protocol

from ..agent.turn import Turn


class Mode(Protocol):
    name: ClassVar[str]
    summary: ClassVar[str]

    async def run(self, turn: Turn) -> None:
        """Answer the turn's user message: emit events, add messages, set `turn.output`."""
        ...
