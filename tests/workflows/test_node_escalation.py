"""A workflow agent node with `escalate`: it answers with its confidence; below `below`, the profile `to` answers."""

from __future__ import annotations

import json

import pytest

from agentsh.errors import WorkflowError
from agentsh.events import Step
from agentsh.models.scripted import ScriptedModel
from agentsh.profiles import AgentProfile

from helpers import done, of, scripted_session, send

STRONG = AgentProfile(system_prompt="You are the strong model.", tools=[])
FLOW = """
    [nodes.solve]
    kind = "agent"
    agent = "writer"
    prompt = "Solve: {request}"
    escalate = { below = 0.6, to = "strong" }
    {output}
"""


def session_for(home, write_workflow, model, output: str = ""):
    write_workflow("solve", FLOW.replace("{output}", output))
    session = scripted_session(home, model, agents={"strong": STRONG})
    session.set_mode("workflow:solve")
    return session


@pytest.mark.parametrize(("confidence", "escalated"), [(0.59, True), (0.6, False), (0.61, False)])
async def test_an_unsure_node_is_answered_again_by_the_stronger_profile(home, write_workflow, confidence, escalated):
    model = ScriptedModel(json.dumps({"answer": "maybe 41", "confidence": confidence}), json.dumps({"answer": "42", "confidence": 0.9}))
    session = session_for(home, write_workflow, model)

    events = await send(session, "6*7")

    steps = [s for s in of(events, Step) if s.kind == "escalate"]
    node = next(s for s in of(events, Step) if s.kind == "node" and s.title == "solve")
    assert done(events).output == ("42" if escalated else "maybe 41")
    assert len(steps) == int(escalated)
    if escalated:
        assert model.requests[1].messages[0].content == STRONG.system_prompt
        assert steps[0].parent_id == node.id and "confidence 0.59 is below 0.6" in steps[0].data["reason"]


async def test_a_structured_node_keeps_its_schema_beside_the_confidence(home, write_workflow):
    model = ScriptedModel(json.dumps({"label": "bug", "confidence": 0.2}), json.dumps({"label": "idea", "confidence": 0.8}))
    session = session_for(home, write_workflow, model, 'output.properties.label = { type = "string", enum = ["bug", "idea"] }')

    events = await send(session, "add dark mode")

    assert json.loads(done(events).output) == {"label": "idea"}
    schema = model.requests[0].request.response_format.model_json_schema()
    assert set(schema["properties"]) == {"label", "confidence"}


async def test_an_unknown_escalation_profile_is_refused_before_running(home, write_workflow):
    write_workflow("solve", FLOW.replace("{output}", "").replace('to = "strong"', 'to = "stronk"'))
    session = scripted_session(home, ScriptedModel())
    with pytest.raises(WorkflowError, match="stronk"):
        session.set_mode("workflow:solve")
