"""Case 38: histories a strict provider rejects.

Whatever a model or an import file says, the stored history is one a strict OpenAI-style
server accepts: tool-call ids are unique (a model's duplicates are rewritten, call and result
alike), every call has exactly one result, and an imported session has valid dates and a known
mode. The fake server runs `strict` here: it answers 400 to any request that breaks those rules.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from reliability_support import assert_calls_answered, connect

from agentsh.events import Error, ToolResult
from agentsh.messages import Message, ToolCallPart

from fakeserver import Reply
from helpers import of, send

TWO_CALLS_ONE_ID = Reply(tool_calls=[
    {"id": "call_dup", "name": "calculator", "arguments": {"expression": "6*7"}},
    {"id": "call_dup", "name": "calculator", "arguments": {"expression": "1+1"}},
])


def stored_rows(home: Path) -> list[dict]:
    with closing(connect(home / "agentsh.db")) as db:
        return [dict(r) for r in db.execute("SELECT * FROM messages ORDER BY session_id, seq")]


def assert_strictly_valid(rows: list[dict]) -> None:
    ids = [c["id"] for r in rows if r["tool_calls"] for c in json.loads(r["tool_calls"])]
    assert [i for i, n in Counter(ids).items() if n > 1] == [], "tool-call ids repeat"
    assert_calls_answered(rows, "stored history")


async def test_case38_duplicate_ids_from_the_model_are_rewritten_call_and_result_alike(llm_session, server, home):
    server.strict = True
    server.enqueue(TWO_CALLS_ONE_ID, Reply(text="42 and 2."), TWO_CALLS_ONE_ID, Reply(text="Again 42 and 2."))
    session = llm_session()

    for prompt, answer in (("six times seven, one plus one?", "42 and 2."), ("once more?", "Again 42 and 2.")):
        events = await send(session, prompt)
        assert of(events, Error) == [] and events[-1].output == answer

    assert server.hits == 4, "no request was refused"
    assert_strictly_valid(stored_rows(home))
    last = server.last_body["messages"]
    results = {m["tool_call_id"]: m["content"] for m in last if m["role"] == "tool"}
    calls = [c for m in last for c in m.get("tool_calls") or []]
    paired = [(json.loads(c["function"]["arguments"])["expression"], results[c["id"]]) for c in calls]
    assert paired == [("6*7", "42"), ("1+1", "2")] * 2, "each result stays with its own call"
    assert [r.output for r in of(events, ToolResult)] == ["42", "2"]


async def test_case38_a_session_stored_with_duplicate_ids_works_again(llm_session, server, home):
    server.strict = True
    server.enqueue(Reply(text="hi"))
    session = llm_session()
    await send(session, "hello")
    call = ToolCallPart(id="call_dup", name="calculator", arguments='{"expression": "6*7"}')
    damaged = [  # as agentsh stored a model's answer before ids were checked
        Message(role="user", content="twice?"),
        Message(role="assistant", tool_calls=[call, call.model_copy(update={"arguments": '{"expression": "1+1"}'})]),
        Message(role="tool", content="42", tool_call_id="call_dup", name="calculator"),
        Message(role="tool", content="2", tool_call_id="call_dup", name="calculator"),
        Message(role="assistant", content="42 and 2."),
        Message(role="user", content="once more?"),
        Message(role="assistant", tool_calls=[call]),
        Message(role="assistant", content="(the tool's result was never stored)"),
    ]
    session.store.add_messages(session.id, damaged)
    server.enqueue(Reply(text="still here"))

    events = await send(llm_session(resume=session.id), "are you there?")

    assert of(events, Error) == [] and events[-1].output == "still here"


def export_document(**changes) -> dict:
    call = {"id": "call_1", "name": "calculator", "arguments": '{"expression": "6*7"}'}
    document = {
        "format": "agentsh-session", "version": 1,
        "session": {"id": "abc123", "title": "imported", "mode": "tools", "model": "openai/fake-model",
                    "created_at": "2024-05-01T10:00:00.000+00:00", "updated_at": "2024-05-01T10:05:00.000+00:00"},
        "messages": [
            {"role": "user", "content": "six times seven?"},
            {"role": "assistant", "content": "", "tool_calls": [call, {**call, "arguments": '{"expression": "1+1"}'}]},
            {"role": "tool", "content": "42", "tool_call_id": "call_1", "name": "calculator"},
            {"role": "assistant", "content": "42"},
            {"role": "user", "content": "and again?"},
            {"role": "assistant", "content": "", "tool_calls": [call]},
        ],
    }
    for key, value in changes.items():
        document["session"][key] = value
    return document


async def test_case38_an_import_is_repaired_into_a_history_a_strict_server_accepts(cli, workdir, home, llm_session, server):
    path = workdir / "export.json"
    path.write_text(json.dumps(export_document()))

    status, _out, err = cli("sessions", "--home", str(home), "import", str(path))

    assert status == 0, err
    assert_strictly_valid(stored_rows(home))
    server.strict = True
    server.enqueue(Reply(text="fine"))
    events = await send(llm_session(resume="abc123"), "go on")
    assert of(events, Error) == [] and events[-1].output == "fine"


REFUSED = {
    "invalid date": (export_document(created_at="yesterday"), "session.created_at"),
    "unknown mode": (export_document(mode="planer"), "unknown mode 'planer'"),
    "orphan result": (
        {**export_document(), "messages": [{"role": "user", "content": "?"}, {"role": "tool", "content": "42", "tool_call_id": "x", "name": "calculator"}]},
        "answers no tool call",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_case38_an_import_that_cannot_be_repaired_is_refused_whole(cli, workdir, home, case):
    document, expected = REFUSED[case]
    path = workdir / "export.json"
    path.write_text(json.dumps(document))

    status, out, err = cli("sessions", "--home", str(home), "import", str(path))

    assert status == 1 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with closing(connect(home / "agentsh.db")) as db:
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
