"""Case 6: tool arguments that are not JSON, that fail validation, or that name an unknown tool.

Each becomes an error result the model can act on (it says what was wrong and what is
expected), the model is called again with those results, and the turn goes on to an answer.
"""

from __future__ import annotations

import json

from agentsh.events import Error, ToolResult

from fakeserver import Reply
from helpers import of, send

BAD_CALLS = Reply(tool_calls=[
    {"id": "call_json", "name": "calculator", "arguments": '{"expression": "1+'},
    {"id": "call_schema", "name": "calculator", "arguments": {"formula": 12}},
    {"id": "call_unknown", "name": "teleport", "arguments": {"to": "Mars"}},
])
GOOD_CALL = Reply(tool_calls=[{"id": "call_good", "name": "calculator", "arguments": {"expression": "6*7"}}])


async def test_case06_bad_calls_become_results_the_model_can_act_on(llm_session, server):
    server.enqueue(BAD_CALLS, GOOD_CALL, Reply(text="It is 42."))
    session = llm_session()

    events = await send(session, "what is six times seven?")

    assert of(events, Error) == []
    done = events[-1]
    assert not done.failed and done.output == "It is 42." and done.model_calls == 3
    results = {r.id: r for r in of(events, ToolResult)}
    assert [results[i].ok for i in ("call_json", "call_schema", "call_unknown", "call_good")] == [False, False, False, True]
    assert "not a JSON object" in results["call_json"].output and '{"expression": "1+' in results["call_json"].output
    assert "formula" in results["call_schema"].output and '"expression"' in results["call_schema"].output
    assert "unknown tool 'teleport'" in results["call_unknown"].output and "calculator" in results["call_unknown"].output
    assert results["call_good"].output == "42"

    second = server.requests[1]["body"]["messages"]
    sent = {m["tool_call_id"]: m["content"] for m in second if m["role"] == "tool"}
    assert sent == {i: results[i].output for i in ("call_json", "call_schema", "call_unknown")}
    assert second[-4]["tool_calls"][0]["function"]["arguments"] == '{"expression": "1+', "the model sees what it sent"

    stored = session.store.messages(session.id)
    assert [m.role for m in stored] == ["user", "assistant", "tool", "tool", "tool", "assistant", "tool", "assistant"]
    assert json.loads(server.requests[2]["body"]["messages"][-1]["content"]) == 42
