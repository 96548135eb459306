"""Case 56: every request begins with the previous request, byte for byte, so providers can serve it from their cache.

Four turns through litellm to the fake server, each with a tool call and a memory recalled for it
(one pinned, one that matches the question): the tool schemas and the system prompt are the same
in every request body the server receives, and each request's messages begin with all of the
previous request's. A recalled memory follows the user message it was recalled for, and stays
there (the same bytes) in later requests instead of moving. Cached input tokens the provider
reports are shown in usage and kept with the session.
"""

from __future__ import annotations

import itertools
import json

from agentsh.events import MemoryRecall, TurnDone, Usage
from agentsh.memory.store import MemoryStore

from fakeserver import Reply

QUESTIONS = ["what is 6*7 for my rust project?", "and 5*5 for the sqlite notes?", "now 3+4 for rust again", "finally 9-1 for sqlite"]
CACHED = {"prompt_tokens": 900, "completion_tokens": 5, "total_tokens": 905, "prompt_tokens_details": {"cached_tokens": 768}}


async def four_turns(session, server) -> list[list]:
    recalled = []
    for question in QUESTIONS:
        server.enqueue(Reply(tool_calls=[{"name": "calculator", "arguments": {"expression": "6*7"}}]), Reply(text="42.", usage=CACHED))
        events = [event async for event in session.send(question)]
        recalled.append([m.text for e in events if isinstance(e, MemoryRecall) for m in e.memories])
        assert not events[-1].failed
    return recalled


async def test_case56_each_request_begins_with_the_previous_one(llm_session, server):
    session = llm_session(memory={"consolidate": False})
    store = MemoryStore(session.store.db)
    store.add("Always answer in British English", kind="instruction", pinned=True)
    store.add("The rust project lives in ~/src/ferris")
    store.add("The sqlite notes live in ~/notes/sqlite")
    recalled = await four_turns(session, server)
    assert all(r for r in recalled) and any("~/src/ferris" in text for text in recalled[0]), "a memory is recalled every turn"

    bodies = [r["body"] for r in server.requests]
    assert len(bodies) == 8
    for before, after in itertools.pairwise(bodies):
        assert after["tools"] == before["tools"]
        assert after["messages"][: len(before["messages"])] == before["messages"], "a later request repeats the earlier one first"
    first, last = json.dumps(bodies[0]["messages"]), json.dumps(bodies[-1]["messages"])
    assert last.startswith(first[:-1]), "byte for byte, as serialised"
    system = bodies[-1]["messages"][0]["content"]
    assert "long-term-memory" not in system and "ferris" not in system, "recall never changes the system prompt"
    users = [m["content"] for m in bodies[-1]["messages"] if m["role"] == "user"]
    assert "~/src/ferris" in users[0] and "British English" in users[0], "the memories recalled for the first question stay with it"
    assert users[0].count("British English") + users[-1].count("British English") == 1, "a memory still in view is not attached twice"


async def test_case56_cached_input_tokens_are_reported_and_kept(llm_session, server):
    session = llm_session(memory={"consolidate": False})
    server.enqueue(Reply(text="hello", usage=CACHED))
    events = [event async for event in session.send("hi")]
    assert [e.cached_tokens for e in events if isinstance(e, Usage)] == [768]
    done = events[-1]
    assert isinstance(done, TurnDone) and done.usage["cached_tokens"] == 768
    assert session.find_session(session.id).cached_tokens == 768
