"""Case 7: a model that calls tools forever stops at --max-steps with a final answer flagged step-limited.

At the limit agentsh asks once more with tools forbidden (tool_choice "none"). A model that
obeys gives its best answer; one that calls a tool even then still ends the turn. Either way
the answer is flagged, stored as such, and `agentsh run` says so.
"""

from __future__ import annotations

import json

import pytest
from reliability_support import MODEL

from fakeserver import Reply

MAX_STEPS = 3
RUNAWAY = 30  # requests after which the server refuses, so a loop that never stops fails instead of hanging


def endless(obeys_tool_choice: bool):
    def route(body: dict) -> Reply:
        route.count += 1
        if route.count > RUNAWAY:
            return Reply(status=400, error_message="runaway loop")
        if obeys_tool_choice and body.get("tool_choice") == "none":
            return Reply(text="Best effort: 17+25 is 42, but I could not double-check it.")
        return Reply(tool_calls=[{"name": "calculator", "arguments": {"expression": f"{route.count}+1"}}])

    route.count = 0
    return route


@pytest.mark.parametrize("obeys", [True, False], ids=["obeys-tool-choice", "ignores-tool-choice"])
def test_case07_endless_tool_calls_stop_at_max_steps(cli, server, home, obeys):
    server.route = endless(obeys)
    status, out, err = cli("run", "--model", MODEL, "--home", str(home), "--max-steps", str(MAX_STEPS), "--json", "add things up")

    assert status == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    done = events[-1]
    assert done["type"] == "done" and done["step_limited"] is True and not done["failed"]
    assert server.hits == MAX_STEPS + 1, "the steps, then one last call without tools"
    assert [e["type"] for e in events].count("tool_result") == MAX_STEPS
    last = server.last_body
    assert last["tool_choice"] == "none" and any("step" in m["content"] for m in last["messages"] if m["role"] == "user")
    if obeys:
        assert done["output"].startswith("Best effort")
    else:
        assert done["output"] == "(the step limit was reached before a final answer)"

    sessions = json.loads(cli("sessions", "--home", str(home), "show", done["session_id"], "--json")[1])
    final = sessions["messages"][-1]
    assert final["role"] == "assistant" and final["step_limited"] is True and final["content"] == done["output"]


def test_case07_text_output_says_the_answer_was_cut_short(cli, server, home):
    server.route = endless(obeys_tool_choice=True)
    status, out, err = cli("run", "--model", MODEL, "--home", str(home), "--max-steps", "2", "add things up")
    assert status == 0
    assert out.startswith("Best effort")
    assert "cut short by the step limit (--max-steps)" in err
