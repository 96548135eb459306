"""The tool-calling loop, driven end to end through `Session` with a scripted model."""

from __future__ import annotations

import asyncio

import pytest

from agentsh.agent.loop import STEP_LIMIT_NOTE
from agentsh.config import Settings
from agentsh.errors import ModelAuthError, ModelStreamError
from agentsh.events import ApprovalRequest, Error, SessionInfo, TextDelta, ToolCall, ToolResult, Usage
from agentsh.messages import user
from agentsh.models.base import ModelRequest, complete
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore
from agentsh.tools.approval import Decision
from agentsh.tools.tool import tool

from helpers import done, of, scripted_session, send


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


@tool(requires_approval=True)
def delete_file(path: str) -> str:
    """Delete a file."""
    return f"deleted {path}"


def open_session(home, model: ScriptedModel, **settings) -> Session:
    return scripted_session(home, model, add, shout, delete_file, **settings)


# one turn -------------------------------------------------------------------------


async def test_a_tool_call_then_an_answer(home):
    model = ScriptedModel(calls(("add", {"a": 17, "b": 25})), "The sum is 42.")
    session = open_session(home, model)

    events = await send(session, "add 17 and 25")

    assert isinstance(events[0], SessionInfo) and events[0].session_id == session.id
    [call] = of(events, ToolCall)
    [result] = of(events, ToolResult)
    assert (call.name, call.arguments) == ("add", {"a": 17, "b": 25})
    assert (result.id, result.ok, result.output) == (call.id, True, "42")
    assert "".join(e.delta for e in of(events, TextDelta)) == "The sum is 42."
    assert events.index(call) < events.index(result) < events.index(of(events, TextDelta)[0])
    assert len(of(events, Usage)) == 2
    finished = done(events)
    assert finished.output == "The sum is 42."
    assert finished.model_calls == 2
    assert finished.usage["total_tokens"] == 30  # 2 calls x (10 + 5) scripted tokens
    assert not (finished.failed or finished.interrupted or finished.step_limited)

    first, second = model.requests
    assert first.messages[0].role == "system"
    assert first.messages[-1].role == "user" and first.messages[-1].content == "add 17 and 25"
    assert "add" in [schema["function"]["name"] for schema in first.request.tools]
    tool_message = second.messages[-1]
    assert tool_message.role == "tool"
    assert tool_message.tool_call_id == call.id
    assert tool_message.name == "add"
    assert tool_message.content == "42"
    assert second.messages[-2].tool_calls[0].id == call.id


async def test_the_turn_is_stored_in_order(home):
    model = ScriptedModel(calls(("add", {"a": 1, "b": 2})), "3")
    session = open_session(home, model)
    await send(session, "one plus two")

    history = session.history()
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]
    assert history[1].tool_calls[0].id == history[2].tool_call_id
    assert history[-1].content == "3"


async def test_two_calls_in_one_response(home):
    model = ScriptedModel(calls(("add", {"a": 1, "b": 2}), ("shout", {"text": "hi"})), "done")
    session = open_session(home, model)

    events = await send(session, "both")

    assert [e.name for e in of(events, ToolCall)] == ["add", "shout"]
    assert {e.name: e.output for e in of(events, ToolResult)} == {"add": "3", "shout": "HI"}
    sent = model.requests[1].messages
    assert [m.role for m in sent[-3:]] == ["assistant", "tool", "tool"]
    calls_made = sent[-3].tool_calls
    assert [(m.tool_call_id, m.content) for m in sent[-2:]] == [(calls_made[0].id, "3"), (calls_made[1].id, "HI")]


async def test_bad_arguments_go_back_to_the_model_and_the_turn_goes_on(home):
    model = ScriptedModel(
        calls(("add", {"a": "seventeen", "b": 25})),
        calls(("add", {"a": 17, "b": 25})),
        "42, after a retry.",
    )
    session = open_session(home, model)

    events = await send(session, "add")

    results = of(events, ToolResult)
    assert [r.ok for r in results] == [False, True]
    error_message = model.requests[1].messages[-1]
    assert error_message.role == "tool"
    assert "invalid arguments" in error_message.content
    assert "a:" in error_message.content
    assert model.requests[2].messages[-1].content == "42"
    assert done(events).output == "42, after a retry."
    assert not done(events).failed


async def test_an_unknown_tool_and_broken_json_are_results_too(home):
    model = ScriptedModel(calls(("nope", {}), ("add", '{"a": 1,')), "sorry")
    session = open_session(home, model)

    events = await send(session, "go")

    unknown, broken = (m.content for m in model.requests[1].messages[-2:])
    assert "unknown tool 'nope'" in unknown and "add" in unknown
    assert "not a JSON object" in broken
    assert of(events, ToolCall)[1].arguments == '{"a": 1,'  # raw text shown as it was
    assert done(events).output == "sorry"


# the step limit ------------------------------------------------------------------------


def always_call_a_tool(request):
    if request.tool_choice == "none":
        return "Best effort: I ran out of steps."
    return calls(("add", {"a": 1, "b": 1}))


async def test_max_steps_stops_a_model_that_always_calls_a_tool(home):
    model = ScriptedModel(default=always_call_a_tool)
    session = open_session(home, model, max_steps=3)

    events = await send(session, "loop forever")

    assert len(of(events, ToolCall)) == 3
    assert len(model.requests) == 3 + 1
    final = model.requests[-1]
    assert final.request.tool_choice == "none"
    assert final.messages[-1].content == STEP_LIMIT_NOTE
    assert all(r.request.tool_choice is None for r in model.requests[:-1])
    finished = done(events)
    assert finished.step_limited is True
    assert finished.output == "Best effort: I ran out of steps."
    stored = session.history()[-1]
    assert stored.role == "assistant" and stored.step_limited is True
    assert stored.content == "Best effort: I ran out of steps."
    assert STEP_LIMIT_NOTE not in [m.content for m in session.history()]


async def test_a_model_that_ignores_tool_choice_none_still_ends_the_turn(home):
    model = ScriptedModel(default=calls(("add", {"a": 1, "b": 1})))
    session = open_session(home, model, max_steps=2)

    events = await send(session, "loop")

    assert len(model.requests) == 3
    assert len(of(events, ToolCall)) == 2  # the final call's tool calls are not run
    assert done(events).step_limited is True
    assert "step limit" in done(events).output
    assert session.history()[-1].tool_calls == []


# failures and interruptions ------------------------------------------------------------


async def test_a_model_error_ends_the_turn_with_an_error_event(home):
    model = ScriptedModel(ModelAuthError("openai (openai/gpt-4o-mini): no API key found; set OPENAI_API_KEY"))
    session = open_session(home, model)

    events = await send(session, "hello")

    [error] = of(events, Error)
    assert "OPENAI_API_KEY" in error.message
    assert error.kind == "ModelAuthError"
    assert done(events).failed is True
    assert events.index(error) < len(events) - 1
    assert session.history()[0].content == "hello"  # the user's words are kept


async def test_a_bug_in_the_model_client_ends_the_turn_visibly(home):
    model = ScriptedModel(ZeroDivisionError("oops"))
    session = open_session(home, model)

    events = await send(session, "hello")

    [error] = of(events, Error)
    assert "ZeroDivisionError" in error.message
    assert done(events).failed is True


class EndsWithoutResponse:
    """A broken client: some text, then its stream just ends (no ModelResponse)."""

    name = "broken-client"

    async def stream(self, request: ModelRequest):
        yield TextDelta(delta="Half an ans")


async def test_a_stream_that_ends_without_a_response_is_one_clear_error_not_an_internal_one(home):
    session = open_session(home, ScriptedModel())
    session.model = EndsWithoutResponse()

    events = await send(session, "hello")

    [error] = of(events, Error)
    assert error.kind == "ModelStreamError"
    assert error.message == "the model 'broken-client' ended its answer without a response; try again, or use another model"
    assert done(events).failed is True


async def test_complete_on_a_stream_that_ends_without_a_response_raises_the_model_stream_error():
    with pytest.raises(ModelStreamError) as raised:
        await complete(EndsWithoutResponse(), ModelRequest(messages=[user("hello")]))
    assert str(raised.value) == "the model 'broken-client' ended its answer without a response; try again, or use another model"


async def test_a_session_deleted_while_its_turn_runs_is_one_clear_error_not_an_internal_one(home):
    def delete_the_session_then_answer(request):
        SessionStore(open_database(home / DB_FILENAME)).delete(session.id)  # as `agentsh sessions delete` elsewhere
        return "an answer nobody can save"

    session = open_session(home, ScriptedModel(default=delete_the_session_then_answer))

    events = await send(session, "hello")

    [error] = of(events, Error)  # said once, though the checkpoint and the final save both failed
    assert error.kind == "StoreError"
    assert error.message.startswith("this turn was not saved: its session was deleted from the session database while it ran")
    assert done(events).failed is True


async def test_a_model_error_after_a_tool_call_keeps_the_tool_result(home):
    model = ScriptedModel(calls(("add", {"a": 1, "b": 2})), ModelAuthError("key rejected"))
    session = open_session(home, model)

    events = await send(session, "add")

    assert done(events).failed
    history = session.history()
    assert [m.role for m in history] == ["user", "assistant", "tool"]
    assert history[2].content == "3"


async def test_closing_the_stream_mid_answer_keeps_the_partial_text(home):
    slow = Reply(text="one two three four five six seven eight", chunk=4, pause=0.2)
    model = ScriptedModel(slow)
    session = open_session(home, model)

    stream = session.send("count slowly")
    seen = []
    async for event in stream:
        seen.append(event)
        if isinstance(event, TextDelta):
            break
    await stream.aclose()

    assert seen[-1].delta == "one "
    history = session.history()
    assert [m.role for m in history] == ["user", "assistant"]
    partial = history[-1]
    assert partial.interrupted is True
    assert partial.content.startswith("one ")
    assert partial.content != slow.text


async def test_cancel_interrupts_the_turn_and_says_so(home):
    model = ScriptedModel(Reply(text="a b c d e f g h", chunk=2, pause=0.2))
    session = open_session(home, model)

    events = []
    async for event in session.send("go"):
        events.append(event)
        if isinstance(event, TextDelta):
            session.cancel()

    assert done(events).interrupted is True
    assert not done(events).failed
    assert session.history()[-1].interrupted is True


async def test_an_interrupted_turn_is_sent_back_on_the_next_one(home):
    model = ScriptedModel(Reply(text="first answer that never ends", chunk=6, pause=0.2), "second")
    session = open_session(home, model)

    stream = session.send("one")
    async for event in stream:
        if isinstance(event, TextDelta):
            break
    await stream.aclose()
    await send(session, "two")

    sent = model.requests[1].messages
    assert [m.role for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[2].interrupted and sent[2].content.startswith("first")


# the conversation goes on ----------------------------------------------------------------


async def test_a_second_send_contains_the_first_turns_messages(home):
    model = ScriptedModel(calls(("add", {"a": 2, "b": 2})), "It is 4.", "You asked about 2 + 2.")
    session = open_session(home, model)

    await send(session, "what is 2 + 2?")
    events = await send(session, "what did I ask?")

    sent = model.requests[2].messages
    assert [m.role for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[1].content == "what is 2 + 2?"
    assert sent[3].content == "4"
    assert sent[4].content == "It is 4."
    assert sent[5].content == "what did I ask?"
    assert [m.role for m in sent].count("system") == 1
    assert done(events).session_id == session.id


async def test_a_resumed_session_continues_the_conversation(home):
    session = open_session(home, ScriptedModel("Hello!"))
    await send(session, "hi")

    model = ScriptedModel("Welcome back.")
    resumed = Session.open(Settings(home=home, model="offline"), resume=session.id)
    resumed.model = model
    await send(resumed, "again")

    assert [m.content for m in model.requests[0].messages[1:]] == ["hi", "Hello!", "again"]


async def test_chat_mode_sends_no_tools(home):
    model = ScriptedModel("plain")
    session = open_session(home, model, mode="chat")

    events = await send(session, "add 1 and 2")

    assert model.requests[0].request.tools == []
    assert of(events, ToolCall) == []
    assert done(events).output == "plain"


# approval through the session -----------------------------------------------------------


@pytest.mark.parametrize(("decision", "ok"), [(Decision.ONCE, True), (Decision.DENY, False)])
async def test_approval_requests_reach_the_consumer_who_decides(home, decision, ok):
    model = ScriptedModel(calls(("delete_file", {"path": "notes.txt"})), "done")
    session = open_session(home, model)

    events = []
    async for event in session.send("delete notes.txt"):
        events.append(event)
        if isinstance(event, ApprovalRequest):
            await asyncio.sleep(0.05)  # the user thinks: the turn must wait
            event.decision.set_result(decision)

    [request] = of(events, ApprovalRequest)
    assert request.arguments == {"path": "notes.txt"}
    [result] = of(events, ToolResult)
    assert result.ok is ok
    assert ("deleted notes.txt" in result.output) is ok
    assert model.requests[1].messages[-1].content == result.output
    assert done(events).output == "done"


async def test_a_profile_without_tools_cannot_run_a_tool_the_model_invents(home):
    from agentsh.agent.subagent import run_agent
    from agentsh.agent.turn import Turn
    from agentsh.tools.tool import make_tool

    session = Session.open(Settings(home=home, model="offline"))
    ran = []
    session.registry.add(make_tool(lambda: ran.append(1) or "RAN", name="secret"))
    session.model = ScriptedModel(calls(("secret", {})), "done")
    turn = Turn(session_id=session.id, model=session.model, registry=session.registry, executor=session.executor, history=[], emit=lambda e: None)
    run = await run_agent(turn, "writer", "write something")
    assert ran == []
    tool_message = next(m for m in run.messages if m.role == "tool")
    assert "unknown tool 'secret'" in tool_message.content


async def test_the_step_limit_answer_keeps_the_profiles_temperature(home):
    def coder_loops(request):
        if request.response_format is not None:  # router mode's classification
            return '{"reason": "code", "route": "coder"}'
        return always_call_a_tool(request)

    model = ScriptedModel(default=coder_loops)
    session = scripted_session(home, model, add, mode="router", max_steps=2, agents={"coder": {"temperature": 0.3}})

    events = await send(session, "loop forever")

    assert done(events).step_limited is True
    answering = model.requests[1:]
    assert answering[-1].request.tool_choice == "none"
    assert [r.request.temperature for r in answering] == [0.3] * 3
