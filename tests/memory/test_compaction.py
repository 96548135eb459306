"""Context compaction: a long session keeps fitting its budget, with a summary, and no orphaned tool result."""

from __future__ import annotations

from agentsh.errors import ContextWindowError
from agentsh.events import Compaction, Error
from agentsh.memory.compaction import SUMMARY_PROMPT, choose_cut, estimate_tokens
from agentsh.messages import Message, system, user
from agentsh.models.scripted import Reply, ScriptedModel, calls

from helpers import done, of, scripted_session, send

ROOM = 700  # tokens for the conversation itself, besides the system prompt and tool schemas
PADDING = "lorem ipsum dolor sit amet " * 12  # ~80 tokens per message


def is_summary_call(request) -> bool:
    return request.messages[0].content == SUMMARY_PROMPT


def answering(request) -> Reply:
    """Summaries when asked for one; else a tool call for odd turns, a plain answer otherwise."""
    if is_summary_call(request):
        return Reply("SUMMARY: the user asked about many numbered things.")
    last = request.messages[-1]
    if last.role == "user" and "tool" in last.content:
        return calls(("calculator", {"expression": "6*7"}))
    return Reply(f"answer {len(request.messages)} {PADDING}")


def assert_no_orphans(messages: list[Message]) -> None:
    """Every tool result follows the call that asked for it; every call has its result."""
    open_calls: set[str] = set()
    for message in messages:
        if message.role == "tool":
            assert message.tool_call_id in open_calls, f"orphaned tool result {message.tool_call_id}"
            open_calls.discard(message.tool_call_id)
        else:
            assert not open_calls, f"tool calls without results: {open_calls}"
            open_calls = {c.id for c in message.tool_calls}


def budget_for(home) -> int:
    probe = scripted_session(home, ScriptedModel())
    return estimate_tokens([system(probe.settings.system_prompt)], probe.registry.schemas()) + ROOM


async def test_a_long_session_stays_within_its_budget_with_a_summary(home):
    model = ScriptedModel(default=answering)
    budget = budget_for(home)
    session = scripted_session(home, model, context={"budget_tokens": budget})
    compactions = []
    for number in range(12):
        kind = "use a tool" if number % 2 else "just talk"
        events = await send(session, f"Question {number}: {kind}. {PADDING}")
        assert not done(events).failed
        compactions += of(events, Compaction)

    assert compactions, "the session outgrew its budget but was never compacted"
    turn_requests = [r.request for r in model.requests if not is_summary_call(r.request)]
    later = turn_requests[-6:]
    for request in later:
        assert estimate_tokens(request.messages, request.tools) <= budget
        assert "SUMMARY: the user asked" in request.messages[0].content
        assert_no_orphans(request.messages)
    assert len(session.history()) == 12 * 2 + 6 * 2  # the original rows all stay
    assert session.store.latest_compaction(session.id)[0] == compactions[-1].messages


async def test_a_resumed_session_starts_from_its_latest_summary(home):
    model = ScriptedModel(default=answering)
    session = scripted_session(home, model, context={"budget_tokens": budget_for(home)})
    for number in range(8):
        await send(session, f"Question {number}. {PADDING}")
    resumed = scripted_session(home, ScriptedModel(default=answering), context={"budget_tokens": budget_for(home)})
    resumed = type(resumed).open(resumed.settings, resume=session.id)
    resumed.model = ScriptedModel(default=answering)
    await send(resumed, "And now?")
    first = resumed.model.requests[0].request
    assert "SUMMARY" in first.messages[0].content
    assert len(first.messages) < len(session.history())


async def test_compact_command_summarises_all_but_the_latest_exchange(home):
    model = ScriptedModel(default=answering)
    session = scripted_session(home, model)
    for number in range(3):
        await send(session, f"Question {number}")
    compaction = await session.compact()
    assert compaction.messages == 4 and "SUMMARY" in compaction.summary
    await send(session, "Question 3")
    request = model.requests[-1].request
    assert [m.role for m in request.messages] == ["system", "user", "assistant", "user"]
    assert request.messages[1].content == "Question 2"


async def test_a_context_window_error_compacts_and_retries_once(home):
    too_long = ContextWindowError("openai (openai/x): the conversation is longer than the model's context window.")
    model = ScriptedModel(default=answering)
    session = scripted_session(home, model)
    for number in range(3):
        await send(session, f"Question {number}")
    model.add(too_long, answering, answering)
    events = await send(session, "Question 3")
    assert len(of(events, Compaction)) == 1 and not done(events).failed
    assert model.requests[-1].request.messages[1].content == "Question 3"

    # the refusal taught the session that its window is smaller: the next turn compacts before it asks
    events = await send(session, "Question 4")
    assert of(events, Compaction) and not done(events).failed

    model = ScriptedModel(default=answering)
    session = scripted_session(home, model)
    for number in range(3):
        await send(session, f"Question {number}")
    model.add(too_long, answering, too_long)  # still too long after compacting: fail, no loop
    calls_before = len(model.requests)
    events = await send(session, "Question 3")
    assert done(events).failed and "context window" in of(events, Error)[0].message
    assert len(model.requests) - calls_before == 3


async def test_a_short_conversation_that_overflows_fails_with_the_providers_message(home):
    model = ScriptedModel(ContextWindowError("the conversation is longer than the model's context window."))
    session = scripted_session(home, model)
    events = await send(session, "one huge message")
    assert done(events).failed and len(model.requests) == 1


def test_the_cut_never_separates_a_call_from_its_results():
    call = calls(("a", {}), ("b", {}))
    history = [system("s"), user("q1 " * 50), Message(role="assistant", content="", tool_calls=call.calls)]
    history += [Message(role="tool", content="r" * 400, tool_call_id=c.id, name=c.name) for c in call.calls]
    history += [Message(role="assistant", content="done " * 40)]
    for keep in range(1, 400, 7):
        cut = choose_cut(history, keep, keep)
        assert history[cut].role != "tool"
        assert_no_orphans(history[cut:])
