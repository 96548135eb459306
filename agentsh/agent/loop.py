"""The native function-calling loop: model → tools → model … until an answer."""

from __future__ import annotations

from collections.abc import Callable

from ..events import ToolCall
from ..messages import Message, tool_result, user
from ..models.base import ModelClient, ModelRequest
from ..tools.executor import ToolExecutor
from .answers import answer_call
from .turn import Turn

STEP_LIMIT_NOTE = (
    "You have used every tool step allowed for this turn. Do not call tools now: "
    "give your best final answer from what you have, and say what is left undone."
)


async def run_tool_loop(
    turn: Turn,
    messages: list[Message],
    add: Callable[[Message], None] | None = None,
    *,
    tools: list[str] | None = None,
    agent: str | None = None,
    max_steps: int | None = None,
    model: ModelClient | None = None,
    executor: ToolExecutor | None = None,
    temperature: float | None = None,
) -> Message:
    """Run until the model answers without tool calls, or for at most `max_steps` calls.

    At the limit one last call is made with tools forbidden, and its answer is flagged
    `step_limited`. `add` records each new message (default: append to `messages`).
    An empty reply is an EmptyAnswerError (a sub-agent's, with `agent` set, after one more try).
    """
    add = add or messages.append
    executor = executor or turn.executor
    for _ in range(max_steps or turn.max_steps):
        await turn.refresh_tools()
        offered = turn.offered_tools(messages, executor, tools)
        request = ModelRequest(messages=list(messages), tools=offered.schemas, temperature=temperature)
        response = await answer_call(turn, request, agent, model)
        add(response.message)
        if not response.message.tool_calls:
            return response.message
        await run_tool_calls(turn, response.message, add, agent, executor, offered.allowed)
    offered = turn.offered_tools(messages, executor, tools)
    final = ModelRequest(
        messages=[*messages, user(STEP_LIMIT_NOTE)], tools=offered.schemas, tool_choice="none", temperature=temperature
    )
    return await _final_answer(turn, final, add, agent, model)


async def run_tool_calls(
    turn: Turn, message: Message, add: Callable[[Message], None], agent: str | None,
    executor: ToolExecutor | None = None, allowed: list[str] | None = None,
) -> None:
    for call in message.tool_calls:
        turn.emit(ToolCall(id=call.id, name=call.name, arguments=call.parsed_arguments(), agent=agent))
    results = await (executor or turn.executor).run(message.tool_calls, turn.emit, agent, allowed)
    for call, result in zip(message.tool_calls, results, strict=True):
        add(tool_result(call, result.output, result.images))


async def _final_answer(turn: Turn, request: ModelRequest, add, agent: str | None, model: ModelClient | None) -> Message:
    response = await turn.call_model(request, agent, model=model)
    text = response.message.content or "(the step limit was reached before a final answer)"
    answer = Message(role="assistant", content=text, step_limited=True, cut=response.message.cut)
    add(answer)
    if agent is None:  # a sub-agent's limit is its own; only the answering loop flags the turn
        turn.step_limited = True
    return answer
