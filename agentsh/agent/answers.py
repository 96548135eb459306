"""Model calls whose reply is an answer: an empty reply is an error, never a silent success.

A small model sometimes answers with only its stop string: no text, no tool calls. It is asked
once more, with a notice (the turn's own answer and a sub-agent's alike: a planner task, a
debater, a branch, a worker, a subscriber); empty again, it is an error event, never a silent
success.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import EmptyAnswerError
from ..events import Notice
from ..messages import Message, user
from ..models.base import ModelClient, ModelRequest, ModelResponse
from .turn import Turn

ASK_AGAIN = "(Your previous reply was empty. Reply to the message above now.)"


def is_empty(message: Message) -> bool:
    return not message.content.strip() and not message.tool_calls


def empty_answer(model: str, agent: str | None) -> EmptyAnswerError:
    who = f"{agent}: " if agent else ""
    return EmptyAnswerError(
        f"{who}the model {model!r} gave an empty answer (no text and no tool calls: only its stop string); "
        "ask again, or use another model"
    )


async def answer_call(turn: Turn, request: ModelRequest, agent: str | None = None, model: ModelClient | None = None) -> ModelResponse:
    """`turn.call_model`, refusing an empty reply: EmptyAnswerError, after one more try."""
    response = await turn.call_model(request, agent, model=model)
    if is_empty(response.message):
        turn.emit(Notice(message=f"{agent or 'the model'} gave an empty answer; asking once more", level="warning"))
        response = await turn.call_model(replace(request, messages=_nudged(request.messages)), agent, model=model)
    if is_empty(response.message):
        raise empty_answer(response.model, agent)
    return response


def _nudged(messages: list[Message]) -> list[Message]:
    """The request once more, saying its reply was empty; in the last user message when it ends
    with one (some chat templates refuse two user messages in a row)."""
    if messages and messages[-1].role == "user":
        return [*messages[:-1], user(f"{messages[-1].content}\n\n{ASK_AGAIN}")]
    return [*messages, user(ASK_AGAIN)]
