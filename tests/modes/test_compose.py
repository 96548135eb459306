"""Modes compose: a profile can be a mode, and runs its whole mode wherever a profile is used.

A scripted model answers by who is asking (the system prompt of the request), so concurrent
agents cannot make the order of replies matter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from agentsh.config import Settings
from agentsh.events import Error, Step, TextDelta, ToolCall
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session

from helpers import done, of, send

WRITER_PROMPT = BUNDLED_PROFILES["writer"].system_prompt
PLANNER_PROMPT = BUNDLED_PROFILES["planner"].system_prompt
MANAGER_PROMPT = BUNDLED_PROFILES["supervisor"].system_prompt

AGENTS = {
    "pro": {"system_prompt": "PRO agent", "tools": []},
    "con": {"system_prompt": "CON agent", "tools": []},
    "judge": {"system_prompt": "JUDGE agent", "tools": []},
    "panel": {"mode": "debate", "debaters": ["pro", "con"], "rounds": 1, "moderator": "judge", "description": "a debate"},
}
ANSWERS = {"PRO agent": "pro answer", "CON agent": "con answer", "JUDGE agent": "judged answer"}


def plan(*tasks: tuple[str, str]) -> str:
    items = [{"id": ident, "description": f"do {ident}", "depends_on": [], "agent": agent} for ident, agent in tasks]
    return json.dumps({"goal": "the goal", "tasks": items})


def responder(**special):
    """Replies by the request's system prompt: ANSWERS, then `special` (marker → reply or function of the request)."""

    def respond(request):
        head = request.messages[0].content
        for marker, reply in special.items():
            if marker in head:
                return reply(request) if callable(reply) else reply
        for marker, reply in ANSWERS.items():
            if head.startswith(marker):
                if request.response_format is not None:
                    return '{"verdict": "pass", "feedback": ""}'
                return reply
        raise AssertionError(f"unexpected request: {head[:80]!r}")

    return respond


def open_session(home, mode: str, respond, agents=None, **settings) -> tuple[Session, ScriptedModel]:
    agents = {**AGENTS, **(agents or {})}
    settings.setdefault("memory", {"consolidate": False})
    session = Session.open(Settings(home=home, model="offline", mode=mode, agents=agents, **settings))
    model = ScriptedModel(default=respond)
    session.model = model
    return session, model


def steps(events: list, kind: str) -> list[Step]:
    return [e for e in events if isinstance(e, Step) and e.kind == kind]


def nested(events: list, mode: str) -> tuple[Step, Step]:
    """The running and the finished "mode" step of the one nested run of `mode`."""
    running, finished = [s for s in steps(events, "mode") if s.data["mode"] == mode]
    assert running.id == finished.id and running.status == "running"
    return running, finished


async def test_a_planner_task_can_be_a_debate(home):
    respond = responder(**{PLANNER_PROMPT: plan(("t", "panel")), WRITER_PROMPT: "the final answer"})
    session, model = open_session(home, "planner", respond)

    events = await send(session, "should we?")

    start, end = nested(events, "debate")
    assert start.parent_id is None and start.data == {"agent": "panel", "mode": "debate", "depth": 1}
    assert end.status == "done" and end.data["answer"] == "judged answer"
    [round_step] = steps(events, "round")
    assert round_step.parent_id == start.id
    assert round_step.data["answers"] == {"pro": "pro answer", "con": "con answer"}
    task_done = [s for s in steps(events, "task") if s.status == "done"]
    assert task_done[0].data["result"] == "judged answer"
    assert done(events).output == "the final answer"
    assert "judged answer" in model.requests[-1].messages[-1].content  # the writer got the debate's verdict
    assert done(events).model_calls == 5  # plan, two debaters, the judge, the writer: the nested calls count


async def test_a_pipeline_stage_can_be_a_reflect_loop(home):
    agents = {"review": {"mode": "reflect", "writer": "pro", "critic": "judge", "max_rounds": 2}}
    stages = [{"agent": "review", "prompt": "Draft: {request}"}, {"agent": "con", "prompt": "Polish this: {input}"}]
    session, model = open_session(home, "pipeline", responder(), agents, modes={"pipeline": {"stages": stages}})

    events = await send(session, "write it")

    start, _ = nested(events, "reflect")
    assert [s.parent_id for s in steps(events, "draft")] == [start.id]
    assert [s.parent_id for s in steps(events, "critique")] == [start.id]
    assert [s.parent_id for s in steps(events, "stage")] == [None] * 4
    assert "Polish this: pro answer" in model.requests[-1].messages[-1].content
    assert done(events).output == "con answer"
    # the nested reflect's own answer is a sub-agent's: it is not streamed as the turn's answer
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "con answer"


def manager(first_delegation: tuple[str, str], answer: str):
    """A supervisor's manager: delegates once, then answers with what the worker said."""

    def respond(request):
        if request.messages[-1].role == "tool":
            return f"{answer} ({request.messages[-1].content})"
        worker, task = first_delegation
        return calls(("delegate", {"worker": worker, "task": task}))

    return respond


async def test_a_supervisor_worker_can_be_a_supervisor_with_its_delegate_tool(home):
    agents = {"lead": {"mode": "supervisor", "workers": ["pro"], "description": "a team lead"}}
    outer, inner = manager(("lead", "sort it out"), "outer done"), manager(("pro", "argue"), "inner done")

    def respond(request):
        return inner(request) if "- pro:" in request.messages[0].content else outer(request)

    session, _ = open_session(home, "supervisor", responder(**{MANAGER_PROMPT: respond}), agents,
                                  modes={"supervisor": {"workers": ["lead"]}})

    events = await send(session, "do the thing")

    start, _ = nested(events, "supervisor")
    inner_delegations = [s for s in steps(events, "delegate") if s.parent_id == start.id]
    assert [(s.title, s.status) for s in inner_delegations] == [("pro: argue", "running"), ("pro: argue", "done")]
    assert [c.agent for c in of(events, ToolCall)] == [None, "lead"]  # the inner delegate call is labelled
    assert done(events).output == "outer done (inner done (pro answer))"


async def test_a_supervisor_as_a_planner_task_has_its_delegate_tool(home):
    respond = responder(**{
        PLANNER_PROMPT: plan(("t", "supervisor")), WRITER_PROMPT: "written",
        MANAGER_PROMPT: manager(("coder", "code it"), "managed"),
        BUNDLED_PROFILES["coder"].system_prompt[:30]: "coded",
    })
    session, model = open_session(home, "planner", respond)

    events = await send(session, "build")

    start, end = nested(events, "supervisor")
    assert any(s.parent_id == start.id and s.title == "coder: code it" for s in steps(events, "delegate"))
    manager_request = next(r for r in model.requests if r.messages[0].content.startswith(MANAGER_PROMPT))
    assert [t["function"]["name"] for t in manager_request.request.tools] == ["delegate"]
    assert end.data["answer"] == "managed (coded)"


async def test_a_parallel_branch_can_be_a_planner(home):
    agents = {"planning": {"mode": "planner", "max_tasks": 2}}
    respond = responder(**{PLANNER_PROMPT: plan(("c", "con")), WRITER_PROMPT: "planned answer"})
    settings = {"parallel": {"branches": ["pro", "planning"], "aggregator": "judge"}}
    session, model = open_session(home, "parallel", respond, agents, modes=settings)

    events = await send(session, "go")

    start, end = nested(events, "planner")
    assert [s.parent_id for s in steps(events, "plan")] == [start.id]
    assert all(s.parent_id == start.id for s in steps(events, "task"))
    assert end.data["answer"] == "planned answer"
    merge = model.requests[-1].messages[-1].content
    assert "pro answer" in merge and "planned answer" in merge
    assert done(events).output == "judged answer"


async def test_a_router_route_can_be_a_debate_that_answers_the_user(home):
    respond = responder(**{"You are a router": '{"reason": "contested", "route": "panel"}'})
    session, _ = open_session(home, "router", respond, modes={"router": {"routes": ["panel", "pro"], "default": "pro"}})

    events = await send(session, "is it true?")

    start, _ = nested(events, "debate")
    assert steps(events, "round")[0].parent_id == start.id
    # routed: the debate's verdict streams as the turn's answer, the debaters' as theirs
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "judged answer"
    assert {e.agent for e in of(events, TextDelta)} == {None, "pro", "con"}
    assert done(events).output == "judged answer"
    assert session.history()[-1].content == "judged answer"


async def test_a_debate_participant_can_be_a_reflect_loop(home):
    agents = {"team": {"mode": "reflect", "writer": "con", "critic": "judge", "max_rounds": 1}}
    settings = {"debate": {"debaters": ["pro", "team"], "rounds": 1, "moderator": "judge"}}
    session, _ = open_session(home, "debate", responder(), agents, modes=settings)

    events = await send(session, "which?")

    start, _ = nested(events, "reflect")
    assert [s.parent_id for s in steps(events, "draft")] == [start.id]
    [round_step] = steps(events, "round")
    assert round_step.parent_id is None and round_step.data["answers"] == {"pro": "pro answer", "team": "con answer"}
    assert done(events).output == "judged answer"


async def test_a_mode_profiles_own_model_runs_its_nested_mode(home):
    agents = {"panel": {**AGENTS["panel"], "model": "offline"}}
    respond = responder(**{"You are a router": '{"reason": "contested", "route": "panel"}'})
    session, model = open_session(home, "router", respond, agents, modes={"router": {"routes": ["panel"], "default": "panel"}})

    events = await send(session, "is it true?")

    assert len(model.requests) == 1  # only the route: the debate ran on the panel's own model
    assert done(events).output.startswith("(offline model)")


async def test_nesting_stops_at_max_depth_with_a_clear_error(home):
    agents = {"loop": {"mode": "parallel", "branches": ["pro", "loop"], "aggregator": "judge"}}
    session, _ = open_session(home, "parallel", responder(), agents, max_depth=2,
                                  modes={"parallel": {"branches": ["loop"], "aggregator": "judge"}})

    events = await send(session, "go")

    [error] = of(events, Error)
    assert error.kind == "NestingLimitError"
    assert "'loop' runs the parallel mode 3 levels deep, beyond max_depth = 2" in error.message
    assert done(events).failed
    depths = [s.data["depth"] for s in steps(events, "mode") if s.status == "running"]
    assert depths == [1, 2]


def test_the_run_as_a_tree_can_be_rebuilt_from_run_json(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        '[agents.panel]\nmode = "debate"\ndebaters = ["researcher", "writer"]\nrounds = 2\ndescription = "a debate"\n'
        '[modes.router]\nroutes = ["panel"]\ndefault = "panel"\n'
    )
    command = [sys.executable, "-m", "agentsh", "run", "--mode", "router", "--model", "offline", "--json"]
    env = {**os.environ, "AGENTSH_CONFIG": str(config)}
    result = subprocess.run([*command, "--home", str(tmp_path), "hello"], capture_output=True, text=True, cwd=tmp_path,
                            timeout=60, stdin=subprocess.DEVNULL, env=env)

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    found = [e for e in events if e["type"] == "step"]
    modes = {e["id"]: e for e in found if e["kind"] == "mode"}
    tree: dict[str | None, list[str]] = {}
    for step in found:
        assert step["parent_id"] is None or step["parent_id"] in modes  # every parent is a step seen in the stream
        if step["status"] in ("done", None):
            tree.setdefault(step["parent_id"], []).append(step["kind"])
    [debate] = modes
    assert tree == {None: ["route", "mode"], debate: ["round", "round"]}
