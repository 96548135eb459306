"""/continue: the model goes on with an answer it had to stop at its token cap (finish_reason "length").

A continuation is a turn of its own, whatever the session's mode: the conversation (ending with
the cut answer) and CONTINUE_REQUEST go to the session's model in one plain call, and what it
writes is the rest of the answer. The UIs show it after the cut answer, the request as "/continue".
"""

from __future__ import annotations

from ..models.base import ModelRequest
from .answers import answer_call
from .turn import Turn

CONTINUE_REQUEST = (
    "Your previous answer was cut off by the length limit. Continue it exactly where it stopped, "
    "without repeating anything and without starting over."
)


async def continue_cut_answer(turn: Turn) -> None:
    response = await answer_call(turn, ModelRequest(messages=list(turn.history)))
    turn.add(response.message)
    turn.output = response.message.content
