"""`router` mode: one structured classification call, then the chosen agent answers.

Also home of the offline smoke test shared by router, supervisor, parallel and pipeline.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentsh.errors import ConfigError
from agentsh.events import Notice, Step, TextDelta, ToolCall
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import done, of, scripted_session, send


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"value-of-{key}"


def open_session(home, model: ScriptedModel, **settings) -> Session:
    return scripted_session(home, model, lookup, mode="router", **settings)


async def test_a_valid_label_routes_to_that_agent_with_its_own_system_prompt(home):
    model = ScriptedModel('{"reason": "a code question", "route": "coder"}', "Use a list comprehension.")
    session = open_session(home, model)

    events = await send(session, "how do I square a list in Python?")

    assert len(model.requests) == 2
    classify, answer = model.requests
    assert classify.request.response_format is not None
    prompt = classify.messages[0].content
    for name in ("coder", "researcher", "writer"):
        assert name in prompt and BUNDLED_PROFILES[name].description in prompt
    assert classify.messages[-1].content == "how do I square a list in Python?"
    assert answer.messages[0].content == BUNDLED_PROFILES["coder"].system_prompt
    assert answer.messages[-1].content == "how do I square a list in Python?"
    assert "lookup" in [s["function"]["name"] for s in answer.request.tools]  # coder has tools

    [route] = of(events, Step)
    assert (route.kind, route.title, route.data["reason"], route.data["fallback"]) == ("route", "coder", "a code question", False)
    assert {e.agent for e in of(events, TextDelta)} == {None}  # the routed agent's text is the answer
    assert done(events).output == "Use a list comprehension."
    assert session.history()[-1].content == "Use a list comprehension."


async def test_an_invalid_label_three_times_falls_back_to_the_default_route(home):
    model = ScriptedModel(*['{"reason": "poetry", "route": "poet"}'] * 3, "A plain answer.")
    session = open_session(home, model)

    events = await send(session, "write me something")

    assert len(model.requests) == 4
    for reask in model.requests[1:3]:
        correction = reask.messages[-1].content
        assert "invalid" in correction
        assert "'coder', 'researcher' or 'writer'" in correction
    writer = model.requests[3]
    assert writer.messages[0].content == BUNDLED_PROFILES["writer"].system_prompt
    assert writer.request.tools == []  # a tool-less profile: one plain call
    [route] = of(events, Step)
    assert route.title == "writer" and route.data["fallback"] is True
    assert len([n for n in of(events, Notice) if "invalid Route" in n.message]) == 3
    assert done(events).output == "A plain answer."


async def test_the_routed_agent_runs_its_tools_and_the_next_turn_sees_the_conversation(home):
    model = ScriptedModel(
        '{"route": "researcher"}', calls(("lookup", {"key": "x"})), "x is value-of-x.",
        '{"route": "writer"}', "As I said, x is value-of-x.",
    )
    session = open_session(home, model)

    first = await send(session, "what is x?")
    second = await send(session, "repeat that")

    assert [c.name for c in of(first, ToolCall)] == ["lookup"]
    assert done(first).output == "x is value-of-x."
    assert [m.content for m in model.requests[3].messages[-3:]] == ["what is x?", "x is value-of-x.", "repeat that"]
    assert [m.content for m in model.requests[4].messages[1:]] == ["what is x?", "x is value-of-x.", "repeat that"]
    assert done(second).output == "As I said, x is value-of-x."


async def test_configured_routes_and_an_unknown_profile(home):
    model = ScriptedModel('{"route": "critic"}', "Looks fine.")
    session = open_session(home, model, modes={"router": {"routes": ["critic", "writer"], "default": "writer"}})
    events = await send(session, "review this")
    assert of(events, Step)[0].title == "critic"
    assert model.requests[1].messages[0].content == BUNDLED_PROFILES["critic"].system_prompt

    with pytest.raises(ConfigError, match=r"modes\.router\.routes\[0\]: unknown agent 'nobody'"):
        open_session(home, ScriptedModel(), modes={"router": {"routes": ["nobody"]}})


# every mode of this group runs offline from the command line ----------------------------


@pytest.mark.parametrize("mode", ["router", "supervisor", "parallel", "pipeline"])
def test_offline_run_from_the_command_line(mode, tmp_path):
    command = [sys.executable, "-m", "agentsh", "run", "--mode", mode, "--model", "offline", "--json"]
    command += ["--home", str(tmp_path), "hello"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=30, stdin=subprocess.DEVNULL)

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert events[0]["type"] == "session" and events[0]["mode"] == mode
    assert any(e["type"] == "step" for e in events)
    assert events[-1]["type"] == "done" and events[-1]["output"].strip()
    assert not events[-1]["failed"]
