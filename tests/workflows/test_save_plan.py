"""/save-plan NAME: the plan of the last planner turn becomes a workflow file that checks and runs."""

from __future__ import annotations

import json
import tomllib

from agentsh.commands import run_slash_command
from agentsh.config import config_dir
from agentsh.models.scripted import ScriptedModel

from helpers import done, scripted_session, send

PLAN = {"goal": "compare {two} tools", "tasks": [
    {"id": "t1", "description": "list what grep does", "depends_on": [], "agent": "researcher"},
    {"id": "t-2", "description": "list what ripgrep does", "depends_on": [], "agent": "researcher"},
    {"id": "3", "description": "compare them", "depends_on": ["t1", "t-2"], "agent": "writer"},
]}


async def test_a_planner_turn_saved_as_a_workflow_runs_the_same_tasks(home):
    model = ScriptedModel(json.dumps(PLAN), "grep: lines", "rg: faster", "rg wins", "Use rg.")
    session = scripted_session(home, model, mode="planner")
    await send(session, "compare grep and ripgrep")

    result = run_slash_command(session, "/save-plan grep-vs-rg")

    path = config_dir() / "workflows" / "grep-vs-rg.toml"
    assert not result.error, result.text
    assert str(path) in result.text
    saved = tomllib.loads(path.read_text())
    assert saved["inputs"]["goal"]["default"] == "compare {{two}} tools"  # a model's braces stay literal
    assert saved["nodes"]["t_3"]["needs"] == ["t1", "t-2"]
    assert saved["nodes"]["t-2"]["agent"] == "researcher"

    model.add("grep: lines", "rg: faster", "rg wins", "Use rg.")
    assert not run_slash_command(session, "/mode workflow:grep-vs-rg").error
    events = await send(session, "compare grep and ripgrep")

    assert done(events).output == "Use rg."
    compare = next(r for r in model.requests[5:] if "compare them" in r.messages[-1].content)
    assert "Result of t1:\ngrep: lines" in compare.messages[-1].content


def test_without_a_plan_or_with_a_bad_name_it_says_what_to_do(home):
    session = scripted_session(home, ScriptedModel())

    assert run_slash_command(session, "/save-plan x").text == "no plan to save: /save-plan works after a planner turn (/mode planner)"
    assert "a workflow name is letters, digits" in run_slash_command(session, "/save-plan ../evil").text
    assert run_slash_command(session, "/save-plan").error


def test_switching_to_a_workflow_says_what_its_file_says_it_does(home, write_workflow):
    write_workflow("brief", 'description = "outline a topic and write a short brief"\n[nodes.a]\nkind = "agent"\nprompt = "x"\n')
    session = scripted_session(home, ScriptedModel())

    result = run_slash_command(session, "/mode workflow:brief")

    assert result.text == "mode: workflow:brief — outline a topic and write a short brief"
