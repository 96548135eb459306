"""The executor turns every tool call, good or bad, into a result the model can read."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from agentsh.errors import ToolError
from agentsh.events import ApprovalRequest, ToolResult
from agentsh.messages import ToolCallPart
from agentsh.tools import budget
from agentsh.tools.approval import ApprovalPolicy, Decision
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry
from agentsh.tools.tool import tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def explode(message: str) -> str:
    """Always fails."""
    raise ValueError(message)


@tool
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@tool(timeout=0.2)
async def slow_async() -> str:
    """Sleep for a long time (async)."""
    await asyncio.sleep(5)
    return "never"


@tool(timeout=0.2)
def slow_sync() -> str:
    """Sleep for a while (sync)."""
    time.sleep(0.6)
    return "never"


@tool
async def nap(seconds: float, label: str) -> str:
    """Sleep, then return the label."""
    await asyncio.sleep(seconds)
    return label


@tool
def huge() -> str:
    """Return ten million characters."""
    return "H" * 5_000_000 + "T" * 5_000_000


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Delete a file."""
    return f"deleted {path}"


@tool
def exits() -> str:
    """Calls sys.exit like a careless script."""
    raise SystemExit(3)


@tool
async def exits_async() -> str:
    """Calls sys.exit from a coroutine."""
    raise SystemExit(3)


@tool
def refuses(reason: str) -> str:
    """Refuses, with a message worded for the model."""
    raise ToolError(reason)


@tool
def busy() -> str:
    """Pure-Python busy work that checks, between steps, whether its call is still wanted."""
    while True:
        budget.current().check()


ALL_TOOLS = [add, explode, echo, slow_async, slow_sync, nap, huge, delete_file, exits, exits_async, refuses, busy]


def call(name: str, arguments: dict | str, id: str | None = None) -> ToolCallPart:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCallPart(id=id or f"id_{name}", name=name, arguments=text)


class Recorder:
    """Collects emitted events; answers approval requests with the queued decisions."""

    def __init__(self, *decisions: Decision | str) -> None:
        self.events: list = []
        self.decisions = list(decisions)

    def __call__(self, event) -> None:
        self.events.append(event)
        if isinstance(event, ApprovalRequest):
            event.decision.set_result(self.decisions.pop(0))

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


def executor(policy: ApprovalPolicy | None = None, **options) -> ToolExecutor:
    return ToolExecutor(ToolRegistry(ALL_TOOLS), policy, **options)


async def run_one(part: ToolCallPart, emit=None, **options) -> ToolResult:
    emit = emit or Recorder()
    [result] = await executor(**options).run([part], emit)
    return result


# success and the emitted result ----------------------------------------------------


async def test_a_good_call_returns_its_output_and_emits_the_result():
    emit = Recorder()
    [result] = await executor().run([call("add", {"a": 2, "b": 40}, id="c1")], emit, agent="coder")
    assert result.ok is True
    assert result.output == "42"
    assert (result.id, result.name, result.agent) == ("c1", "add", "coder")
    assert result.duration_ms >= 0
    assert emit.of(ToolResult) == [result]


# failures become readable results --------------------------------------------------


async def test_validation_error_names_the_bad_field_and_shows_the_expected_parameters():
    result = await run_one(call("add", {"a": "two", "b": 40}))
    assert result.ok is False
    assert result.output.startswith("Error:")
    assert "'add'" in result.output
    assert "a:" in result.output
    assert "Expected parameters" in result.output
    assert '"b":{"type":"integer"' in result.output


async def test_missing_and_unexpected_arguments_are_named():
    result = await run_one(call("add", {"a": 1, "c": 2}))
    assert result.ok is False
    assert "b: Field required" in result.output
    assert "c: Extra inputs are not permitted" in result.output


@pytest.mark.parametrize("raw", ['{"a": 1, "b":', "not json at all", "[1, 2]", '"just a string"'])
async def test_arguments_that_are_not_a_json_object_give_a_clear_error(raw):
    result = await run_one(call("add", raw))
    assert result.ok is False
    assert "not a JSON object" in result.output
    assert raw[:20] in result.output
    assert "Call the tool again" in result.output


async def test_empty_arguments_mean_no_arguments():
    result = await run_one(call("add", ""))
    assert result.ok is False
    assert "Field required" in result.output  # validated as {}, not rejected as bad JSON


async def test_unknown_tool_lists_the_valid_tool_names():
    result = await run_one(call("substract", {"a": 1}))
    assert result.ok is False
    assert "unknown tool 'substract'" in result.output
    for name in ("add", "echo", "explode"):
        assert name in result.output


async def test_unknown_tool_with_an_empty_registry_says_so():
    [result] = await ToolExecutor(ToolRegistry()).run([call("add", {})], Recorder())
    assert result.ok is False
    assert "(none)" in result.output


async def test_a_tool_that_raises_gives_its_exception_type_and_message_and_the_others_still_run():
    emit = Recorder()
    results = await executor().run([call("explode", {"message": "disk on fire"}), call("add", {"a": 1, "b": 1})], emit)
    assert results[0].ok is False
    assert "ValueError" in results[0].output
    assert "disk on fire" in results[0].output
    assert results[1].ok is True and results[1].output == "2"
    assert len(emit.of(ToolResult)) == 2


@pytest.mark.parametrize("name", ["exits", "exits_async"])
async def test_a_tool_that_calls_sys_exit_is_an_error_result_not_the_end_of_the_program(name):
    result = await run_one(call(name, {}))
    assert result.ok is False
    assert result.output == f"Error: {name} called sys.exit(3)"


async def test_a_tool_error_raised_by_the_tool_reaches_the_model_as_worded():
    result = await run_one(call("refuses", {"reason": "the printer is offline; try again later"}))
    assert result.ok is False
    assert result.output == "Error: the printer is offline; try again later"


@pytest.mark.parametrize("name", ["slow_async", "slow_sync"])
async def test_a_tool_that_runs_past_its_timeout_is_reported_as_timed_out(name):
    started = time.perf_counter()
    result = await run_one(call(name, {}))
    elapsed = time.perf_counter() - started
    assert result.ok is False
    assert "timed out" in result.output
    assert "0.2" in result.output
    assert elapsed < 0.5


async def test_the_executor_timeout_applies_to_tools_without_their_own():
    result = await run_one(call("nap", {"seconds": 5, "label": "x"}), timeout=0.1)
    assert result.ok is False
    assert "timed out after 0.1 s" in result.output


async def _thread_gone(name: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while any(t.name == f"tool-{name}" for t in threading.enumerate()):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_busy_sync_tool_times_out_on_time_and_its_thread_is_told_to_stop():
    started = time.monotonic()
    result = await run_one(call("busy", {}), timeout=0.3)
    assert result.output == "Error: busy timed out after 0.3 s."
    assert time.monotonic() - started < 1.0
    assert await _thread_gone("busy", within=1.0), "the tool's thread went on after its call timed out"


async def test_cancelling_a_run_ends_it_at_once_while_a_sync_tool_is_busy_and_tells_the_tool_to_stop():
    running = asyncio.create_task(executor(timeout=60).run([call("busy", {})], Recorder()))
    await asyncio.sleep(0.1)
    cancelled = time.monotonic()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert time.monotonic() - cancelled < 0.2
    assert await _thread_gone("busy", within=1.0), "the tool's thread went on after its call was cancelled"


# output ---------------------------------------------------------------------------


async def test_huge_output_is_truncated_keeping_head_and_tail():
    result = await run_one(call("huge", {}))
    assert result.ok is True
    assert len(result.output) < 25_000
    assert result.output.startswith("HHHH")
    assert result.output.endswith("TTTT")
    assert "characters truncated" in result.output
    assert "9,980,000" in result.output  # how much was left out, in readable digits


async def test_the_output_limit_is_configurable():
    result = await run_one(call("echo", {"text": "x" * 1000}), max_output_chars=100)
    assert len(result.output) < 200
    assert "900 characters truncated" in result.output


async def test_structured_return_values_become_json():
    @tool
    def info() -> dict:
        return {"name": "ada", "tags": ["x"]}

    [result] = await ToolExecutor(ToolRegistry([info])).run([call("info", {})], Recorder())
    assert json.loads(result.output) == {"name": "ada", "tags": ["x"]}


# concurrency ------------------------------------------------------------------------


async def test_calls_from_one_response_run_concurrently():
    calls = [call("nap", {"seconds": 0.3, "label": f"n{i}"}, id=f"c{i}") for i in range(3)]
    started = time.perf_counter()
    results = await executor().run(calls, Recorder())
    assert time.perf_counter() - started < 0.6
    assert [r.output for r in results] == ["n0", "n1", "n2"]


async def test_results_come_back_in_call_order_whatever_order_they_finish_in():
    calls = [call("nap", {"seconds": 0.3 - 0.1 * i, "label": f"n{i}"}, id=f"c{i}") for i in range(3)]
    emit = Recorder()
    results = await executor().run(calls, emit)
    assert [r.id for r in results] == ["c0", "c1", "c2"]
    assert [r.output for r in results] == ["n0", "n1", "n2"]
    assert [e.id for e in emit.of(ToolResult)] == ["c2", "c1", "c0"]  # emitted as they finished


# approval -----------------------------------------------------------------------------


async def test_ask_emits_an_approval_request_and_once_runs_the_call():
    emit = Recorder(Decision.ONCE)
    policy = ApprovalPolicy("ask")
    [result] = await executor(policy).run([call("delete_file", {"path": "a.txt"}, id="d1")], emit)
    [request] = emit.of(ApprovalRequest)
    assert (request.id, request.name, request.arguments) == ("d1", "delete_file", {"path": "a.txt"})
    assert result.ok is True and result.output == "deleted a.txt"
    assert emit.events.index(request) < emit.events.index(result)

    emit = Recorder(Decision.ONCE)
    await executor(policy).run([call("delete_file", {"path": "b.txt"})], emit)
    assert len(emit.of(ApprovalRequest)) == 1  # "once" does not cover the next call


async def test_deny_gives_an_error_result_the_model_can_read():
    emit = Recorder(Decision.DENY)
    [result] = await executor(ApprovalPolicy("ask")).run([call("delete_file", {"path": "a.txt"})], emit)
    assert result.ok is False
    assert "denied" in result.output
    assert "delete_file" in result.output
    assert "deleted" not in result.output


async def test_approval_can_be_answered_with_the_plain_string_value():
    emit = Recorder("once")
    [result] = await executor(ApprovalPolicy("ask")).run([call("delete_file", {"path": "a.txt"})], emit)
    assert result.ok is True


async def test_always_stops_asking_for_that_tool():
    policy = ApprovalPolicy("ask")
    ex = executor(policy)
    first = Recorder(Decision.ALWAYS)
    await ex.run([call("delete_file", {"path": "a"})], first)
    second = Recorder()
    [result] = await ex.run([call("delete_file", {"path": "b"})], second)
    assert len(first.of(ApprovalRequest)) == 1
    assert second.of(ApprovalRequest) == []
    assert result.ok is True


async def test_auto_runs_without_asking_and_deny_refuses_without_asking():
    auto = Recorder()
    [allowed] = await executor(ApprovalPolicy("auto")).run([call("delete_file", {"path": "a"})], auto)
    assert allowed.ok is True and auto.of(ApprovalRequest) == []

    deny = Recorder()
    [refused] = await executor(ApprovalPolicy("deny")).run([call("delete_file", {"path": "a"})], deny)
    assert refused.ok is False and deny.of(ApprovalRequest) == []
    assert "deleted" not in refused.output


async def test_per_tool_rules_override_the_mode():
    emit = Recorder()
    [allowed] = await executor(ApprovalPolicy("ask", allow=["delete_file"])).run([call("delete_file", {"path": "a"})], emit)
    [refused] = await executor(ApprovalPolicy("auto", deny=["delete_file"])).run([call("delete_file", {"path": "a"})], emit)
    assert allowed.ok is True
    assert refused.ok is False
    assert emit.of(ApprovalRequest) == []


async def test_tools_without_requires_approval_are_never_asked_about():
    emit = Recorder()
    [result] = await executor(ApprovalPolicy("deny")).run([call("add", {"a": 1, "b": 2})], emit)
    assert result.ok is True and emit.of(ApprovalRequest) == []


async def test_the_user_is_not_asked_to_approve_a_call_whose_arguments_are_invalid():
    emit = Recorder(Decision.ONCE)
    [result] = await executor(ApprovalPolicy("ask")).run([call("delete_file", {"path": 3, "force": True})], emit)
    assert emit.of(ApprovalRequest) == []
    assert result.ok is False
    assert "force" in result.output


async def test_the_time_the_user_takes_to_approve_is_not_the_calls_duration():
    loop = asyncio.get_running_loop()

    def answer_later(event) -> None:  # the user reads the question for half a second, then allows the call
        if isinstance(event, ApprovalRequest):
            loop.call_later(0.5, event.decision.set_result, Decision.ONCE)

    [result] = await executor(ApprovalPolicy("ask")).run([call("delete_file", {"path": "a.txt"})], answer_later)
    assert result.ok is True
    assert result.duration_ms < 250
