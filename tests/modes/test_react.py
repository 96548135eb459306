"""`react`: the Thought/Action/Observation text protocol, for models without native tool calls."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentsh.config import Settings
from agentsh.events import Step, TextDelta, ToolCall, ToolResult, TurnDone
from agentsh.messages import Message, ToolCallPart, system, user
from agentsh.models.base import ModelRequest, complete
from agentsh.models.offline import OfflineModel
from agentsh.models.scripted import ScriptedModel
from agentsh.modes.react import STEP_LIMIT_NOTE, parse_reply, text_history
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import of, send


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def open_session(home, model, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="react", **settings))
    session.model = model
    session.registry.add(add)
    return session


ACTION = 'Thought: I should add them.\nAction: add\nAction Input: {"a": 17, "b": 25}'


# the loop ----------------------------------------------------------------------------------


async def test_an_action_runs_the_tool_and_the_observation_goes_back(home):
    model = ScriptedModel(ACTION, "Thought: I know it now.\nFinal Answer: The sum is 42.")
    session = open_session(home, model)

    events = await send(session, "add 17 and 25")

    first, second = model.requests
    assert first.request.tools == [] and second.request.tools == []  # never native tools
    assert "add" in [s["function"]["name"] for s in first.request.text_tools]
    assert "Action Input:" in first.messages[0].content and "add: Add two integers." in first.messages[0].content
    assert second.messages[-1] == user("Observation: 42")
    assert second.messages[-2].content == ACTION
    [call], [result] = of(events, ToolCall), of(events, ToolResult)
    assert (call.name, call.arguments, call.agent) == ("add", {"a": 17, "b": 25}, "react")
    assert (result.ok, result.output) == (True, "42")
    thoughts = [s for s in of(events, Step) if s.kind == "thought"]
    assert [s.data["thought"] for s in thoughts] == ["I should add them.", "I know it now."]
    answer = [e for e in of(events, TextDelta) if e.agent is None]
    assert "".join(e.delta for e in answer) == "The sum is 42."
    assert all(e.agent == "react" for e in of(events, TextDelta) if e not in answer)
    assert events[-1].output == "The sum is 42." and not events[-1].step_limited
    stored = session.history()
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[1].tool_calls[0].id == stored[2].tool_call_id and stored[2].content == "42"
    assert stored[-1].content == "The sum is 42."


async def test_a_malformed_reply_gets_a_correction_and_the_loop_goes_on(home):
    model = ScriptedModel("I think the answer is 42.", 'Action: add\nAction Input: 17, 25', "Final Answer: 42")
    session = open_session(home, model)

    events = await send(session, "add 17 and 25")

    correction = model.requests[1].messages[-1]
    assert correction.role == "user"
    assert "neither an `Action:` line nor a `Final Answer:`" in correction.content
    assert "Final Answer:" in correction.content and "Action Input:" in correction.content
    assert model.requests[1].messages[-2].content == "I think the answer is 42."
    assert "not a JSON object" in model.requests[2].messages[-1].content
    assert of(events, ToolCall) == []
    assert events[-1].output == "42"


async def test_an_unknown_tool_is_an_observation_not_a_format_error(home):
    model = ScriptedModel('Action: multiply\nAction Input: {"a": 2}', "Final Answer: sorry")
    session = open_session(home, model)

    events = await send(session, "multiply")

    observation = model.requests[1].messages[-1].content
    assert observation.startswith("Observation: Error: unknown tool 'multiply'") and "add" in observation
    assert [r.ok for r in of(events, ToolResult)] == [False]


async def test_at_max_steps_one_forced_final_answer(home):
    model = ScriptedModel(default=lambda r: "Final Answer: best effort" if r.messages[-1].content == STEP_LIMIT_NOTE else ACTION)
    session = open_session(home, model, max_steps=2)

    events = await send(session, "loop")

    assert len(model.requests) == 3 and len(of(events, ToolResult)) == 2
    assert model.requests[-1].messages[-1].content == STEP_LIMIT_NOTE
    done = events[-1]
    assert isinstance(done, TurnDone) and done.step_limited and done.output == "best effort"
    assert session.history()[-1].step_limited


async def test_a_made_up_observation_is_cut_off(home):
    model = ScriptedModel(ACTION + "\nObservation: 99\nFinal Answer: 99", "Final Answer: 42")
    session = open_session(home, model)

    events = await send(session, "add")

    assert model.requests[1].messages[-2].content == ACTION
    assert model.requests[1].messages[-1].content == "Observation: 42"
    assert events[-1].output == "42"


# parsing and history ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "action", "arguments", "final"),
    [
        ('Thought: x\nAction: add\nAction Input: {"a": 1, "b": 2}', "add", {"a": 1, "b": 2}, None),
        ('**Action:** `add`\n**Action Input:** ```json\n{"a": 1}\n```', "add", {"a": 1}, None),
        ("Thought: done\nFinal Answer: two\nlines", None, None, "two\nlines"),
        ("Final Answer: see\nAction: items", None, None, "see\nAction: items"),  # the rest is the answer
    ],
)
def test_parse_reply(text, action, arguments, final):
    parsed = parse_reply(text)
    assert (parsed.action, parsed.arguments, parsed.final, parsed.problem) == (action, arguments, final, None)


def test_native_tool_calls_in_the_history_become_text():
    call = ToolCallPart(id="c1", name="add", arguments='{"a": 1, "b": 2}')
    history = [system("s"), user("q"), Message(role="assistant", tool_calls=[call]),
               Message(role="tool", content="3", tool_call_id="c1", name="add"), Message(role="assistant", content="3")]
    rendered = text_history(history)
    assert [m.role for m in rendered] == ["user", "assistant", "user", "assistant"]
    assert rendered[1].content == 'Action: add\nAction Input: {"a": 1, "b": 2}' and not rendered[1].tool_calls
    assert rendered[2].content == "Observation: 3"


# the offline model speaks the protocol ---------------------------------------------------


async def offline_reply(*messages: Message) -> str:
    request = ModelRequest(messages=[system("s"), *messages], text_tools=[add.schema()])
    return (await complete(OfflineModel(), request)).message.content


async def test_offline_acts_then_answers_from_the_observation():
    action = await offline_reply(user("please add 2 and 3"))
    assert action.startswith("Thought: ") and 'Action: add\nAction Input: {"a": 2, "b": 3}' in action
    assert parse_reply(action).arguments == {"a": 2, "b": 3}
    final = await offline_reply(user("please add 2 and 3"), Message(role="assistant", content=action), user("Observation: 5"))
    assert parse_reply(final).final == "add returned: 5"
    forced = await offline_reply(user("add 2 and 3"), Message(role="assistant", content=action), user("Observation: 5"), user(STEP_LIMIT_NOTE))
    assert parse_reply(forced).final == "add returned: 5"
    later = await offline_reply(user("add 2 and 3"), user("Observation: 5"), Message(role="assistant", content="5"), user("hello"))
    assert parse_reply(later).final.endswith("You said: hello")


# end to end, as a user runs it ------------------------------------------------------------


def agentsh_run(home, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "agentsh", "run", "--model", "offline", "--home", str(home), *args]
    return subprocess.run(command, input="", capture_output=True, text=True, timeout=30, cwd=home)


def test_offline_react_uses_the_calculator(home):
    result = agentsh_run(home, "--mode", "react", "use the calculator to add 17 and 25")
    assert result.returncode == 0, result.stderr
    assert "42" in result.stdout
    assert "calculator" in result.stderr


@pytest.mark.parametrize("mode", ["react", "reflect", "debate", "events"])
def test_each_mode_answers_offline_with_steps(home, mode):
    result = agentsh_run(home, "--mode", mode, "--json", "hello")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["mode"] == mode
    assert events[-1]["type"] == "done" and events[-1]["output"].strip() and not events[-1]["failed"]
    assert any(e["type"] == "step" for e in events)
