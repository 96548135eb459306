"""`agentsh sessions trace`: a stored turn's step tree, as text and as JSON, rebuilt from the store."""

from __future__ import annotations

import io
import json
import sys

import pytest

from agentsh.cli import main
from agentsh.events import Step, ToolCall, ToolResult, Usage
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.tools.tool import tool
from agentsh.trace import build_trace

from helpers import scripted_session, send


@tool
def lookup(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(autouse=True)
def empty_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


async def tool_turns(home) -> str:
    """A stored session of two turns; the second looks up two cities, then answers."""
    model = ScriptedModel("hello", calls(("lookup", {"city": "Paris"})), calls(("lookup", {"city": "[bold]Rome"})), "Both sunny.")
    session = scripted_session(home, model, lookup)
    await send(session, "hi")
    await send(session, "weather in Paris and Rome?")
    await session.aclose()
    return session.id


def trace_of(capsys, home, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["sessions", "--home", str(home), "trace", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_trace_lists_each_model_and_tool_call_of_the_last_turn_in_order(home, capsys):
    session_id = await tool_turns(home)
    code, out, err = trace_of(capsys, home, session_id)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"turn 2 of session {session_id} · mode tools")
    kinds = [line.split(". ", 1)[1].split(":")[0] for line in lines[1:-1]]
    assert kinds == ["model call", "tool", "model call", "tool", "model call"]
    assert "tool: lookup · done" in lines[2] and "tool: lookup · done" in lines[4]
    assert lines[-1].startswith("total: 3 model calls · 45 tokens")


async def test_trace_json_gives_figures_per_step_and_turn_one_on_request(home, capsys):
    session_id = await tool_turns(home)
    _, out, _ = trace_of(capsys, home, session_id, "--json")
    document = json.loads(out)
    steps = document["steps"]
    assert [s["kind"] for s in steps] == ["model", "tool", "model", "tool", "model"]
    assert steps[0]["prompt_tokens"] == 10 and steps[0]["completion_tokens"] == 5 and steps[0]["model"] == "scripted"
    assert steps[1]["data"]["arguments"] == {"city": "Paris"} and steps[1]["data"]["output"] == "sunny in Paris"
    assert all(s["duration_ms"] is not None for s in steps)
    assert [s["calls_before"] for s in steps] == [0, 1, 1, 2, 2]
    _code, out, _ = trace_of(capsys, home, session_id, "--turn", "1", "--json")
    assert [s["kind"] for s in json.loads(out)["steps"]] == ["model"]


async def test_a_turn_that_does_not_exist_is_one_clear_line(home, capsys):
    session_id = await tool_turns(home)
    code, _, err = trace_of(capsys, home, session_id, "--turn", "3")
    assert code != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and f"there is no turn 3: session {session_id} has 2" in err


def test_the_tree_is_rebuilt_from_parent_ids_with_calls_under_the_running_step():
    events = [
        Step(kind="workflow", id="w", title="trip", status="running"),
        Step(kind="node", id="a", parent_id="w", title="flights", status="running"),
        Usage(model="m", prompt_tokens=3, completion_tokens=2, cost=0.01),
        ToolCall(id="c1", name="book", arguments={}),
        ToolResult(id="c1", name="book", ok=True, output="ok"),
        Step(kind="node", id="b", parent_id="w", title="hotel", status="running"),  # beside flights, not under it
        Step(kind="node", id="a", parent_id="w", title="flights", status="done"),
        Step(kind="node", id="b", parent_id="w", title="hotel", status="done"),
        Step(kind="workflow", id="w", title="trip", status="done"),
        Usage(model="m", prompt_tokens=1, completion_tokens=1, cost=0.02),
    ]
    trace = build_trace([(event.type, event.model_dump(mode="json")) for event in events])
    assert [root.title for root in trace.roots] == ["trip", "m"]
    workflow = trace.roots[0]
    assert [child.title for child in workflow.children] == ["flights", "hotel"]
    assert [child.kind for child in workflow.children[0].children] == ["model", "tool"]
    assert workflow.model_calls == 1 and workflow.prompt_tokens == 3 and workflow.cost == pytest.approx(0.01)
    assert workflow.status == "done" and workflow.children[1].status == "done"


async def test_a_json_export_carries_each_turns_steps(home, capsys):
    session_id = await tool_turns(home)
    capsys.readouterr()
    assert main(["sessions", "--home", str(home), "export", session_id, "--format", "json"]) == 0
    turns = json.loads(capsys.readouterr().out)["turns"]
    assert [t["turn"] for t in turns] == [1, 2]
    assert [e["type"] for e in turns[1]["events"] if e["type"] != "session"] == ["usage", "tool_call", "tool_result"] * 2 + ["usage"]
    assert turns[1]["model_calls"] == 3
