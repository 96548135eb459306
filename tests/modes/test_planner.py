"""The planner mode, driven through `Session` with a scripted model that answers by request.

The responder looks at each request (structured or not, system prompt, task id) rather than
at its position, so that concurrent tasks cannot make the order of replies nondeterministic.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError, ModelStreamError
from agentsh.events import Notice, Step, ToolCall
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.modes.plan_graph import Plan, PlanTask, find_cycle, plan_problems
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import done, send

WRITER_PROMPT = BUNDLED_PROFILES["writer"].system_prompt
TASK_ID = re.compile(r"Your task \(id (\S+)\)")

undo_log: list[str] = []


@tool(compensate="release")
def reserve(item: str) -> str:
    """Reserve an item."""
    return f"reserved {item}"


@tool
def release(item: str) -> str:
    """Release a reserved item."""
    undo_log.append(item)
    return f"released {item}"


@tool
def look(item: str) -> str:
    """Look at an item (nothing to undo)."""
    return f"{item} looks fine"


# helpers -------------------------------------------------------------------------------


def plan(goal: str, *tasks: tuple) -> str:
    """A plan as JSON: each task is (id, depends_on) or (id, depends_on, agent)."""
    items = [{"id": t[0], "description": f"do {t[0]}", "depends_on": list(t[1]), **({"agent": t[2]} if len(t) > 2 else {})} for t in tasks]
    return json.dumps({"goal": goal, "tasks": items})


def kind(request) -> str:
    if request.response_format is not None:
        return "replan" if "failed part-way" in request.messages[1].content else "plan"
    if request.messages[0].content == WRITER_PROMPT:
        return "synthesis"
    return "task"


def task_id(request) -> str:
    return TASK_ID.search(request.messages[1].content).group(1)


def responder(plans, tasks, synthesis="All done.", replans=()):
    """A responder: `plans`/`replans` are queues of planner replies; `tasks` maps a task id to its reply."""
    plans, replans = list(plans), list(replans)

    def respond(request):
        what = kind(request)
        if what == "plan":
            return plans.pop(0)
        if what == "replan":
            return replans.pop(0)
        if what == "synthesis":
            return synthesis
        reply = tasks[task_id(request)]
        return reply(request) if callable(reply) else reply

    return respond


def open_session(home, respond, **config) -> tuple[Session, ScriptedModel]:
    modes = {"planner": config} if config else {}
    session = Session.open(Settings(home=home, model="offline", mode="planner", modes=modes))
    model = ScriptedModel(default=respond)
    session.model = model
    for item in (reserve, release, look):
        session.registry.add(item)
    return session, model


def steps(events: list, kind_: str) -> list[Step]:
    return [e for e in events if isinstance(e, Step) and e.kind == kind_]


def logs(model: ScriptedModel, what: str) -> list:
    return [entry for entry in model.requests if kind(entry.request) == what]


def task_log(model: ScriptedModel, ident: str):
    [entry] = [e for e in logs(model, "task") if task_id(e.request) == ident]
    return entry


# running a plan -------------------------------------------------------------------------


async def test_dependencies_first_then_independent_tasks_together(home):
    respond = responder(
        [plan("build it", ("a", []), ("b", ["a"]), ("c", ["a"]))],
        {"a": "A is ready", "b": Reply("B is ready", delay=0.3), "c": Reply("C is ready", delay=0.3)},
        synthesis="Everything is built.",
    )
    session, model = open_session(home, respond)

    events = await send(session, "build the thing")

    a, b, c = (task_log(model, i) for i in "abc")
    assert a.finished <= b.started and a.finished <= c.started
    assert b.started < c.finished and c.started < b.finished  # B and C overlapped
    assert "A is ready" in b.messages[-1].content and "build it" in b.messages[-1].content
    assert "FAILED:" in b.messages[-1].content  # the failure protocol is in every task prompt

    [plan_step] = steps(events, "plan")
    assert plan_step.title == "build it"
    assert plan_step.data["tasks"] == [
        {"id": "a", "description": "do a", "depends_on": [], "agent": "assistant", "status": "pending"},
        {"id": "b", "description": "do b", "depends_on": ["a"], "agent": "assistant", "status": "pending"},
        {"id": "c", "description": "do c", "depends_on": ["a"], "agent": "assistant", "status": "pending"},
    ]
    task_steps = [(s.data["id"], s.status) for s in steps(events, "task")]
    assert task_steps[:2] == [("a", "running"), ("a", "done")]
    assert sorted(task_steps[2:]) == [("b", "done"), ("b", "running"), ("c", "done"), ("c", "running")]
    assert next(s for s in steps(events, "task") if s.data["id"] == "a" and s.status == "done").data["result"] == "A is ready"

    [synthesis] = logs(model, "synthesis")
    assert all(text in synthesis.text() for text in ("build the thing", "A is ready", "B is ready", "C is ready"))
    assert synthesis.started >= max(b.finished, c.finished)
    assert done(events).output == "Everything is built."
    assert not done(events).failed
    history = session.history()
    assert [m.role for m in history] == ["user", "assistant"]
    assert history[-1].content == "Everything is built."


async def test_concurrency_bounds_how_many_tasks_run_at_once(home):
    respond = responder([plan("g", ("a", []), ("b", []))], {"a": Reply("A", delay=0.1), "b": Reply("B", delay=0.1)})
    session, model = open_session(home, respond, concurrency=1)

    await send(session, "two things")

    a, b = sorted((task_log(model, i) for i in "ab"), key=lambda e: e.started)
    assert a.finished <= b.started


async def test_planner_sees_the_agents_and_tools(home):
    respond = responder([plan("g", ("a", [], "researcher"))], {"a": "found"})
    session, model = open_session(home, respond)

    await send(session, "look into it")

    [planning] = logs(model, "plan")
    prompt = planning.messages[0].content
    assert prompt.startswith(BUNDLED_PROFILES["planner"].system_prompt)
    assert all(name in prompt for name in ("assistant", "researcher", "writer", "reserve", "release"))
    assert planning.messages[-1].content == "look into it"
    assert task_log(model, "a").messages[0].content == BUNDLED_PROFILES["researcher"].system_prompt


# invalid plans ----------------------------------------------------------------------------


async def test_a_cyclic_plan_is_asked_again_before_any_task_runs(home):
    respond = responder([plan("g", ("a", ["b"]), ("b", ["a"])), plan("g", ("a", []), ("b", ["a"]))], {"a": "A", "b": "B"})
    session, model = open_session(home, respond)

    events = await send(session, "do it")

    kinds = [kind(e.request) for e in model.requests]
    assert kinds[:2] == ["plan", "plan"] and "task" not in kinds[:2]
    assert "cycle: a → b → a" in model.requests[1].messages[-1].content
    assert any(isinstance(e, Notice) and "cycle" in e.message for e in events)
    assert [s.data["id"] for s in steps(events, "task") if s.status == "done"] == ["a", "b"]


async def test_no_valid_plan_falls_back_to_one_task_for_the_request(home):
    respond = responder(["not a plan"] * 3, {"1": "did it directly"}, synthesis="Done directly.")
    session, model = open_session(home, respond)

    events = await send(session, "just do it")

    assert [kind(e.request) for e in model.requests] == ["plan", "plan", "plan", "task", "synthesis"]
    assert "just do it" in task_log(model, "1").messages[-1].content
    assert task_log(model, "1").messages[0].content == BUNDLED_PROFILES["assistant"].system_prompt
    [plan_step] = steps(events, "plan")
    assert [(t["description"], t["agent"]) for t in plan_step.data["tasks"]] == [("just do it", "assistant")]
    assert {s.data["id"] for s in steps(events, "task")} == {"1"}  # shown as "task 1", not "task task"
    assert any(isinstance(e, Notice) and "one task" in e.message for e in events)
    assert done(events).output == "Done directly."


# failure and replanning --------------------------------------------------------------------


async def test_a_failed_task_leads_to_exactly_one_replan(home):
    respond = responder(
        [plan("store the data", ("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b"]))],
        {"a": "A: data fetched", "b": "FAILED: disk full", "c": Reply("C: index built", delay=0.3), "b2": "B2: stored elsewhere", "d": "D"},
        replans=[plan("store the data elsewhere", ("b2", ["a"]), ("d", ["b2"]))],
        synthesis="Stored on the other disk.",
    )
    session, model = open_session(home, respond)

    events = await send(session, "store the data")

    [replan] = logs(model, "replan")
    text = replan.messages[-1].content
    assert all(s in text for s in ("disk full", "store the data", "A: data fetched", "C: index built", "do d"))
    assert replan.started >= task_log(model, "c").finished  # running tasks finish first
    assert task_log(model, "b2").finished <= task_log(model, "d").started
    assert "A: data fetched" in task_log(model, "b2").messages[-1].content  # may depend on completed tasks

    [failed] = [s for s in steps(events, "task") if s.status == "failed"]
    assert (failed.data["id"], failed.data["error"]) == ("b", "disk full")
    [replan_step] = steps(events, "replan")
    assert replan_step.title == "store the data elsewhere"
    assert replan_step.data["failed"] == ["b"] and "disk full" in replan_step.data["error"]
    assert [(t["id"], t["status"]) for t in replan_step.data["tasks"]] == [("a", "done"), ("c", "done"), ("b2", "pending"), ("d", "pending")]
    assert done(events).output == "Stored on the other disk."


async def test_a_replan_may_not_reuse_a_completed_id(home):
    respond = responder(
        [plan("g", ("a", []), ("b", ["a"]))],
        {"a": "A", "b": "FAILED: nope", "b2": "B2"},
        replans=[plan("g", ("a", []), ("b2", ["a"])), plan("g", ("b2", ["a"]))],
    )
    session, model = open_session(home, respond)

    await send(session, "go")

    replans = logs(model, "replan")
    assert len(replans) == 2  # the same replan, asked again with the error
    assert "task id 'a' is already done" in replans[1].messages[-1].content
    assert len([e for e in logs(model, "task") if task_id(e.request) == "a"]) == 1


async def test_model_errors_fail_a_task_and_replans_are_bounded(home):
    respond = responder(
        [plan("g", ("a", []))],
        {"a": ModelStreamError("the stream stalled"), "a2": "FAILED: still broken", "a3": "FAILED: broken again"},
        replans=[plan("g", ("a2", [])), plan("g", ("a3", []))],
    )
    session, model = open_session(home, respond)

    events = await send(session, "go")

    assert len(logs(model, "replan")) == 2  # max_replans defaults to 2
    assert logs(model, "synthesis") == []
    errors = {s.data["id"]: s.data["error"] for s in steps(events, "task") if s.status == "failed"}
    assert "the stream stalled" in errors["a"] and errors["a3"] == "broken again"
    output = done(events).output
    assert output.startswith("The plan failed after 2 replans") and "broken again" in output
    assert not done(events).failed
    assert session.history()[-1].content == output


# saga ------------------------------------------------------------------------------------------


def reserving(item: str, answer: str):
    def reply(request):
        if request.messages[-1].role == "tool":
            return answer
        return calls(("reserve", {"item": item}), ("look", {"item": item}), ("reserve", {"wrong": item}))

    return reply


async def test_final_failure_undoes_completed_tasks_in_reverse_completion_order(home):
    undo_log.clear()
    respond = responder(
        [plan("trip", ("hotel", []), ("car", []), ("flight", ["hotel", "car"]), ("dinner", ["flight"]))],
        {"hotel": lambda r: Reply("hotel booked", delay=0.2) if r.messages[-1].role == "tool" else reserving("room", "")(r),
         "car": reserving("car", "car booked"), "flight": "FAILED: no flights left"},
    )
    session, model = open_session(home, respond, max_replans=0)

    events = await send(session, "plan my trip")

    assert undo_log == ["room", "car"]  # hotel finished last: undone first; the failed call is not undone
    assert logs(model, "replan") == [] and logs(model, "synthesis") == []
    compensations = steps(events, "compensate")
    assert [(s.status, s.data["tool"], s.data["arguments"], s.data["undoes"], s.data["task"]) for s in compensations] == [
        ("done", "release", {"item": "room"}, "reserve", "hotel"),
        ("done", "release", {"item": "car"}, "reserve", "car"),
    ]
    assert compensations[0].data["result"] == "released room"
    undo_calls = [e for e in events if isinstance(e, ToolCall) and e.name == "release"]
    assert [c.arguments for c in undo_calls] == [{"item": "room"}, {"item": "car"}]
    assert [s.data["id"] for s in steps(events, "task") if s.status == "skipped"] == ["dinner"]

    output = done(events).output
    assert output.startswith("The plan failed") and "no flights left" in output
    assert "hotel booked" in output and "car booked" in output
    assert "release" in output and "room" in output
    assert session.history()[-1].content == output


async def test_a_failed_undo_is_reported(home):
    broken = tool(lambda item: 1 / 0, name="release", description="Release, badly.")
    respond = responder([plan("g", ("a", []), ("b", ["a"]))], {"a": reserving("room", "reserved"), "b": "FAILED: no"})
    session, _model = open_session(home, respond, max_replans=0)
    session.registry.add(broken)

    events = await send(session, "go")

    [step] = steps(events, "compensate")
    assert step.status == "failed" and "ZeroDivisionError" in step.data["result"]
    assert "Some undo steps failed" in done(events).output


# configuration -----------------------------------------------------------------------------------


async def test_max_tasks_is_enforced_by_the_schema(home):
    respond = responder([plan("g", ("a", []), ("b", []), ("c", [])), plan("g", ("a", []), ("b", []))], {"a": "A", "b": "B"})
    session, model = open_session(home, respond, max_tasks=2)

    await send(session, "go")

    assert "at most 2 are allowed" in logs(model, "plan")[1].messages[-1].content


async def test_an_unknown_setting_is_a_clear_error_before_any_turn(home):
    with pytest.raises(ConfigError) as raised:
        open_session(home, responder([], {}), max_task=3)

    assert "unknown key modes.planner.max_task (did you mean modes.planner.max_tasks?)" in str(raised.value)


# the plan schema --------------------------------------------------------------------------------


def tasks(*specs) -> list[PlanTask]:
    return [PlanTask(id=i, description=f"do {i}", depends_on=list(deps), agent=agent) for i, deps, agent in specs]


@pytest.mark.parametrize(
    ("specs", "problem"),
    [
        ([("a", [], "assistant"), ("a", [], "assistant")], "duplicate task id 'a'"),
        ([("a", ["a"], "assistant")], "task 'a' depends on itself"),
        ([("a", ["x"], "assistant")], "task 'a' depends on unknown task 'x'; known ids: a, done"),
        ([("a", [], "wizard")], "task 'a' has unknown agent 'wizard'; valid agents: assistant, writer"),
        ([("a", ["c"], "assistant"), ("b", ["a"], "assistant"), ("c", ["b"], "assistant")], "cycle: a → c → b → a"),
        ([("done", [], "assistant")], "task id 'done' is already done"),
        ([], "the plan has no tasks"),
    ],
)
def test_plan_problems(specs, problem):
    found = plan_problems(tasks(*specs), ["assistant", "writer"], 8, frozenset({"done"}))
    assert any(p.startswith(problem) for p in found), found


def test_a_bound_schema_validates_and_a_completed_id_is_a_valid_dependency():
    schema = Plan.bound(["assistant"], 3, ["z"])
    valid = schema.model_validate({"goal": "g", "tasks": [{"id": "a", "description": "x", "depends_on": ["z"]}]})
    assert valid.tasks[0].agent == "assistant"
    with pytest.raises(ValueError, match="at most 3"):
        schema.model_validate({"goal": "g", "tasks": [{"id": str(i), "description": "x"} for i in range(4)]})
    assert find_cycle({"a": ["b"], "b": []}) is None


# the command line ------------------------------------------------------------------------------


def test_agentsh_run_planner_offline(home, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "agentsh", "run", "--mode", "planner", "--model", "offline", "--json", "--home", str(home),
         "use the calculator to add 2 and 3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=30, input="",
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    step_kinds = {e["kind"] for e in events if e["type"] == "step"}
    assert {"plan", "task"} <= step_kinds
    assert any(e["type"] == "tool_result" and e["name"] == "calculator" and e["output"] == "5" for e in events)
    assert events[-1]["type"] == "done" and not events[-1]["failed"]
