"""`chat`: one model call per turn, no tools."""

from __future__ import annotations

from ..agent.answers import answer_call
from ..agent.turn import Turn
from ..models.base import ModelRequest


class ChatMode:
    name = "chat"
    summary = "one model call per turn, no tools"

    async def run(self, turn: Turn) -> None:
        response = await answer_call(turn, ModelRequest(messages=list(turn.history)))
        turn.add(response.message)
        turn.output = response.message.content
