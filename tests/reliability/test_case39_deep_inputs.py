"""Case 39: deep inputs — tool arguments nested 50,000 levels, a plan of 3,000 chained tasks.

Neither ends the turn with a RecursionError: arguments nested too deeply are an error result
the model can act on (as any malformed call is), and a long plan is checked and run in order.
"""

from __future__ import annotations

import json

import pytest

from agentsh.config import Settings
from agentsh.events import Error, Step, ToolCall, ToolResult
from agentsh.messages import MAX_ARGUMENT_DEPTH
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session

from fakeserver import Reply
from helpers import of, send


def nested(depth: int) -> str:
    return '{"expression": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [50_000, 500])
async def test_case39_deeply_nested_arguments_are_an_error_result(llm_session, server, depth):
    server.enqueue(
        Reply(tool_calls=[{"id": "call_deep", "name": "calculator", "arguments": nested(depth)}], chunk_size=4096),
        Reply(tool_calls=[{"id": "call_flat", "name": "calculator", "arguments": {"expression": "6*7"}}]),
        Reply(text="It is 42."),
    )
    session = llm_session(context={"window": 1_000_000})  # 100 kB of brackets: no compaction here

    events = await send(session, "six times seven?")

    assert of(events, Error) == []
    assert events[-1].output == "It is 42." and not events[-1].failed
    deep, flat = of(events, ToolResult)
    assert not deep.ok and f"arguments nested too deeply (limit {MAX_ARGUMENT_DEPTH})" in deep.output
    assert flat.ok and flat.output == "42"
    assert isinstance(of(events, ToolCall)[0].arguments, str), "shown as the text the model sent"
    sent = {m["tool_call_id"]: m["content"] for m in server.requests[1]["body"]["messages"] if m["role"] == "tool"}
    assert sent["call_deep"] == deep.output


def test_case39_arguments_at_the_limit_still_reach_validation():
    from agentsh.messages import ArgumentsTooDeep, ToolCallPart

    at_limit = ToolCallPart(id="a", name="t", arguments=nested(MAX_ARGUMENT_DEPTH - 1))
    assert isinstance(at_limit.decoded_arguments(), dict)
    with pytest.raises(ArgumentsTooDeep):
        ToolCallPart(id="b", name="t", arguments=nested(MAX_ARGUMENT_DEPTH)).decoded_arguments()


CHAIN = 3000


def chained_plan() -> str:
    """Task t0 needs t1, which needs t2, … : the order that checks a plan deepest first."""
    tasks = [{"id": f"t{i}", "description": f"step {i}", "depends_on": [f"t{i + 1}"] if i + 1 < CHAIN else []} for i in range(CHAIN)]
    return json.dumps({"goal": "a long chain", "tasks": tasks})


async def test_case39_a_plan_of_3000_chained_tasks_runs_in_order(home, workdir):
    def respond(request):
        if request.response_format is not None:
            return chained_plan()
        return "done"

    session = Session.open(Settings(home=home, model="offline", mode="planner", modes={"planner": {"max_tasks": CHAIN}}, memory={"consolidate": False}))
    session.model = ScriptedModel(default=respond)

    events = await send(session, "do the long chain")

    assert of(events, Error) == [] and not events[-1].failed
    finished = [e.data["id"] for e in of(events, Step) if e.kind == "task" and e.status == "done"]
    assert finished == [f"t{i}" for i in reversed(range(CHAIN))]
