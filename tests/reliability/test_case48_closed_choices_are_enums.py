"""Case 48: closed choices are enums in every schema a model fills.

A model that follows a schema's structure but writes prose in every free-text field (the fake
server's "schema-prose" profile; small local models with grammar-constrained output do this) can
only pick a valid value where the schema lists the values. So a plan's agent, a route, a vote and a
memory kind are enums in the schema sent (built per session from the configured agents and modes):
plans, routes and votes are valid at the first answer, and `remember` stores its memory — where,
without the enums, every plan was invalid ("unknown agent 'the research assistant'") and every
`remember` failed ("unknown memory kind ...").
"""

from __future__ import annotations

import pytest

from agentsh.events import Error, Notice, Step, ToolResult, TurnDone
from agentsh.memory.consolidate import consolidate_session

from fakeserver import PROFILES, PROSE, Reply
from helpers import of, send

ANALYST = {"analyst": {"system_prompt": "You analyse.", "description": "added in the config file"}}
DECISIONS = {  # mode, its settings, the schema's name in notices, and the step that shows the decision
    "router": ({"router": {"routes": ["analyst", "writer"], "default": "writer"}}, "Route", lambda steps: [s.title for s in steps if s.kind == "route"]),
    "planner": ({}, "Plan", lambda steps: [t["agent"] for s in steps if s.kind == "plan" for t in s.data["tasks"]]),
    "parallel": ({"parallel": {"aggregate": "vote"}}, "Vote",
                 lambda steps: [s.data["choice"] for s in steps if s.kind == "aggregate" and s.status == "done"]),
    "debate": ({"debate": {"judge": "vote", "rounds": 1}}, "Vote", lambda steps: [s.data["winner"] for s in steps if s.kind == "vote"]),
    "reflect": ({}, "Verdict", lambda steps: [s.data["verdict"] for s in steps if s.kind == "critique"]),
}


@pytest.fixture
def schema_prose(server):
    server.profile = PROFILES["schema-prose"]
    server.default_reply = Reply(text="Final Answer: the answer is 42")
    return server


@pytest.mark.parametrize("mode", sorted(DECISIONS))
async def test_case48_a_schema_prose_model_makes_valid_decisions_at_the_first_answer(mode, llm_session, schema_prose):
    modes, schema_name, decided = DECISIONS[mode]
    session = llm_session(mode=mode, modes=modes, agents=ANALYST)

    events = await send(session, "what is 6*7?")

    assert isinstance(events[-1], TurnDone) and not events[-1].failed, of(events, Error)
    invalid = [n.message for n in of(events, Notice) if f"invalid {schema_name}" in n.message or "fallback" in n.message]
    assert invalid == [], "every answer was valid the first time"
    choices = decided(of(events, Step))
    assert choices and PROSE not in choices
    structured = [r["body"]["response_format"] for r in schema_prose.requests if r["body"].get("response_format")]
    assert structured and all(f["type"] == "json_schema" for f in structured)


async def test_case48_the_plans_agent_enum_is_the_sessions_own_agents(llm_session, schema_prose):
    session = llm_session(mode="planner", agents=ANALYST)

    await send(session, "what is 6*7?")

    plan_schema = schema_prose.requests[0]["body"]["response_format"]["json_schema"]["schema"]
    listed = plan_schema["$defs"]["PlanTask"]["properties"]["agent"]["enum"]
    assert "analyst" in listed and {"assistant", "writer", "planner"} <= set(listed)


async def test_case48_remember_with_arguments_a_schema_prose_model_wrote_stores_the_memory(llm_session, schema_prose):
    schema_prose.enqueue(Reply(tool_calls=[{"name": "remember"}]), Reply(text="Noted."))  # its arguments: from the schema
    session = llm_session(mode="tools")

    events = await send(session, "remember that I like tea")

    [result] = of(events, ToolResult)
    assert result.ok, result.output
    [memory] = session.memory.store.list()
    assert (memory.text, memory.kind) == (PROSE, "fact")


async def test_case48_memory_consolidation_gets_valid_kinds_from_a_schema_prose_model(llm_session, schema_prose):
    session = llm_session(memory={"consolidate": False})
    await send(session, "I prefer tea to coffee.")

    result = await consolidate_session(session.store, session.memory.store, session.model, session.id)

    assert result is not None and result.added == 1
    assert [m.kind for m in session.memory.store.list()] == ["fact"]
