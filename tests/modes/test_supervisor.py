"""`supervisor` mode: a manager delegates to workers; only their final answers come back."""

from __future__ import annotations

from agentsh.events import Step, ToolCall, ToolResult
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import done, of, scripted_session, send

MANAGER_PROMPT = BUNDLED_PROFILES["supervisor"].system_prompt


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"inner-secret-{key}"


def open_session(home, model: ScriptedModel, **settings) -> Session:
    return scripted_session(home, model, lookup, mode="supervisor", **settings)


def is_manager(request) -> bool:
    return request.messages[0].content.startswith(MANAGER_PROMPT)


def delegations(events: list, status: str) -> list[Step]:
    return [s for s in of(events, Step) if s.kind == "delegate" and s.status == status]


async def test_the_manager_sees_the_workers_answer_but_not_its_tool_calls(home):
    model = ScriptedModel(
        calls(("delegate", {"worker": "researcher", "task": "find the value of x"})),  # manager
        calls(("lookup", {"key": "x"})),  # researcher: a tool call first
        "x is 42 (checked).",  # researcher's final answer
        "The answer: x is 42.",  # manager
    )
    session = open_session(home, model)

    events = await send(session, "what is x?")

    manager_first, worker_first, worker_second, manager_second = model.requests
    assert is_manager(manager_first) and is_manager(manager_second)
    assert [s["function"]["name"] for s in manager_first.request.tools] == ["delegate"]
    assert worker_first.messages[0].content == BUNDLED_PROFILES["researcher"].system_prompt
    assert worker_first.messages[-1].content == "find the value of x"
    assert "lookup" in [s["function"]["name"] for s in worker_first.request.tools]
    assert worker_second.messages[-1].content == "inner-secret-x"

    sent = manager_second.messages
    assert sent[-1].role == "tool" and sent[-1].name == "delegate" and sent[-1].content == "x is 42 (checked)."
    assert "inner-secret" not in manager_second.text()
    assert all(c.name == "delegate" for m in sent for c in m.tool_calls)

    [running], [finished] = delegations(events, "running"), delegations(events, "done")
    assert running.title == finished.title == "researcher: find the value of x"
    assert finished.data["answer"] == "x is 42 (checked)."
    worker_call = next(c for c in of(events, ToolCall) if c.name == "lookup")
    assert worker_call.agent == "researcher"
    assert done(events).output == "The answer: x is 42."
    assert [m.content for m in session.history()] == ["what is x?", "The answer: x is 42."]


async def test_an_unknown_worker_gets_an_error_listing_the_valid_ones(home):
    model = ScriptedModel(calls(("delegate", {"worker": "poet", "task": "a poem"})), "I will answer myself.")
    session = open_session(home, model)

    events = await send(session, "a poem please")

    [result] = of(events, ToolResult)
    assert not result.ok
    assert "unknown worker 'poet'" in result.output and "researcher, coder, writer" in result.output
    assert model.requests[1].messages[-1].content == result.output
    assert len(model.requests) == 2  # no worker ran
    assert delegations(events, "running") == []
    assert done(events).output == "I will answer myself."


async def test_delegations_are_capped_per_turn(home):
    def reply(request):
        if not is_manager(request):
            return f"done: {request.messages[-1].content}"
        if request.messages[-1].role == "user":
            return calls(*[("delegate", {"worker": "writer", "task": f"part {i}"}) for i in range(3)])
        return "Combined."

    model = ScriptedModel(default=reply)
    session = open_session(home, model, modes={"supervisor": {"max_delegations": 2}})

    events = await send(session, "three parts")

    workers = [r for r in model.requests if not is_manager(r)]
    assert len(workers) == 2
    results = of(events, ToolResult)
    assert [r.ok for r in results] == [True, True, False]
    assert "limit" in results[2].output and "answer the user now" in results[2].output
    assert [r.output for r in results[:2]] == ["done: part 0", "done: part 1"]
    assert len(delegations(events, "done")) == 2
    assert done(events).output == "Combined."


async def test_workers_of_one_response_run_concurrently(home):
    def reply(request):
        if not is_manager(request):
            return Reply(text="ok", delay=0.2)
        if request.messages[-1].role == "user":
            return calls(("delegate", {"worker": "writer", "task": "a"}), ("delegate", {"worker": "coder", "task": "b"}))
        return "Both done."

    model = ScriptedModel(default=reply)
    session = open_session(home, model)

    events = await send(session, "two things")

    first, second = [r for r in model.requests if not is_manager(r)]
    assert second.started < first.finished  # overlapping, not one after the other
    assert done(events).output == "Both done."


async def test_a_worker_out_of_steps_says_so_in_its_result_but_the_turn_is_not_step_limited(home):
    def reply(request):
        if is_manager(request):
            if request.messages[-1].role == "user":
                return calls(("delegate", {"worker": "researcher", "task": "look x up"}))
            return "x is probably 42."
        if request.tool_choice == "none":
            return "x might be 42."
        return calls(("lookup", {"key": "x"}))  # the worker never stops looking

    model = ScriptedModel(default=reply)
    session = open_session(home, model, max_steps=2)

    events = await send(session, "what is x?")

    delegation = next(r for r in of(events, ToolResult) if r.name == "delegate")
    assert delegation.output == "x might be 42.\n\n(note: researcher ran out of steps; this answer may be incomplete)"
    finished = done(events)
    assert finished.output == "x is probably 42."
    assert finished.step_limited is False  # the worker's limit is its own, not the turn's
    assert session.history()[-1].step_limited is False
