"""`planner`: plan a graph of tasks, run them concurrently, replan on failure, undo on final failure.

1. Plan. One structured call with the "planner" profile (its system prompt, the agent
   profiles and tool names available, then the conversation ending with the user's
   request) returns a `Plan`: a goal and at most `max_tasks` tasks, each with an id, a
   description, the ids it depends on and the agent profile that runs it. The schema
   validates the DAG (duplicate ids, unknown or self dependencies, cycles such as
   "cycle: a → b → a", unknown agents, too many tasks), so an invalid plan is sent back
   with that error (at most twice) before anything runs. Fallback: when the planner gives
   no valid plan, the plan is one task, the user's request as it stands, run by "assistant".
2. Run. A task starts as soon as every task it depends on is done, at most `concurrency`
   at a time. Each is its own tool loop (`run_agent`, at most `task_max_steps` model
   calls), prompted with the goal, its description and its dependencies' results.
   Failure protocol: a task fails when its agent raises ModelError or ToolError, or when
   its answer starts with "FAILED:". The task prompt tells the agent to reply exactly
   "FAILED: <reason>" when it cannot complete the task.
3. Replan. After a failure, running tasks finish and no new one starts; then one
   structured call gets the goal, the failed task(s) with the error, the completed tasks'
   results and the tasks not started. Its tasks replace every unfinished one; completed
   tasks stay done, and new tasks may depend on their ids (but not reuse them). At most
   `max_replans` times; a replan with no valid plan, or whose model call fails, ends the plan.
4. Undo (saga). When the plan fails for good, or the turn is cancelled, the completed tasks are undone in reverse
   completion order (and each task's calls last first): every successful call to a tool
   that declares `compensate` is followed by a call to the compensating tool with the same
   arguments, plus `result` (the undone call's result, e.g. a booking id) when the compensating
   tool takes a `result` parameter, through the session's executor (approval and timeouts
   apply). The answer, written here rather than by a model, says that the plan failed, what
   was done and what was undone. A spent budget (BudgetExceededError) ends the plan the same
   way: the completed tasks are undone, then the turn stops with that answer as its partial work.
5. Answer. On success, one streamed call with the "writer" profile turns the user's
   request and every task's result into the answer.

Events, for UIs that show the plan as a live checklist:
    Step(kind="plan", title=goal, data={"tasks": [{id, description, depends_on, agent, status}]})
    Step(kind="task", title=description, status="running" | "done" | "failed" | "skipped",
         data={"id", "agent", "result" (done) or "error" (failed)})
    Step(kind="replan", title=new goal, status="running", data={"attempt", "failed", "error", "tasks": the new checklist})
    Step(kind="compensate", title=..., status="done" | "failed",
         data={"tool", "arguments", "result", "undoes", "task"})
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from ..agent.answers import answer_call
from ..agent.structured import ask_structured
from ..agent.subagent import AgentRun, run_agent
from ..agent.turn import Turn
from ..errors import AgentshError, BudgetExceededError, ModelError, ToolError
from ..events import Notice, Step, TextDelta, ToolCall
from ..messages import Message, ToolCallPart, system, user
from ..models.base import ModelRequest
from .plan_graph import Plan, PlanTask, ReadyTasks

FAILED_PREFIX = "FAILED:"
PLANNER = "planner"
WRITER = "writer"
FALLBACK_AGENT = "assistant"
RESULT_CHARS = 6000  # a dependency's result, as quoted in later prompts
SUMMARY_CHARS = 300  # a task's result, as quoted in the failure answer


class PlannerConfig(BaseModel):
    """`[modes.planner]` settings."""

    model_config = ConfigDict(extra="forbid")

    max_tasks: int = Field(8, ge=1)
    concurrency: int = Field(4, ge=1)
    max_replans: int = Field(2, ge=0)
    task_max_steps: int = Field(10, ge=1)


@dataclass
class _Failure:
    task: PlanTask
    error: str


@dataclass
class _Undo:
    task: PlanTask
    undoes: str
    tool: str
    arguments: str
    ok: bool
    output: str


class PlannerMode:
    name = "planner"
    settings_schema = PlannerConfig  # its [modes.planner] table
    summary = "plans a graph of tasks, runs independent ones concurrently, replans on failure, undoes work on final failure"

    async def run(self, turn: Turn) -> None:
        await _PlanRun(turn, turn.mode_config("planner", PlannerConfig)).run()


class _PlanRun:
    """One turn of the planner: the current plan and what has become of its tasks."""

    def __init__(self, turn: Turn, config: PlannerConfig) -> None:
        self.turn = turn
        self.config = config
        self.goal = turn.user_text
        self.pending: dict[str, PlanTask] = {}  # not started, in plan order
        self.ready = ReadyTasks([], ())  # which pending tasks can start
        self.done: dict[str, tuple[PlanTask, AgentRun]] = {}  # in completion order
        self.failures: list[_Failure] = []
        self.replans = 0

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:  # the user stopped the turn (Ctrl+C, a cancelled task): the completed work is undone
            for call in self._to_undo():
                await self._undo(*call)
            raise
        except BudgetExceededError as stop:
            running = "" if self.done else self.turn.partial_work()  # a nested run's partial work, when nothing is done
            self.failures.append(_Failure(PlanTask(id="budget", description="the budget", agent=FALLBACK_AGENT), str(stop)))
            undone = [await self._undo(*call) for call in self._to_undo()]
            self.turn.progress = self._failure_answer(undone) + (f"\n\nPartial work of the running task:\n\n{running}" if running else "")
            raise

    async def _run(self) -> None:
        self._adopt(await self._plan())
        self._emit_checklist("plan", self.goal)
        while await self._execute():
            if not await self._replanned():
                await self._give_up()
                return
        await self._synthesize()

    # planning ------------------------------------------------------------------------

    async def _plan(self) -> Plan:
        await self.turn.refresh_tools()
        messages = [system(self._planner_prompt()), *_conversation(self.turn.history)]
        plan = await self._ask(messages, done=())
        if plan is not None:
            return plan
        self.turn.emit(Notice(message="the planner gave no valid plan: running the request as one task", level="warning"))
        request = self.turn.user_text.strip() or "(an empty request)"
        return Plan(goal=request, tasks=[PlanTask(id="1", description=request, agent=FALLBACK_AGENT)])

    async def _replanned(self) -> bool:
        """After a failure: one replan call, if any is left. False when the plan has failed for good."""
        if self.replans >= self.config.max_replans:
            return False
        self.replans += 1
        messages = [system(self._planner_prompt()), user(self._replan_request())]
        try:
            plan = await self._ask(messages, done=self.done)
        except ModelError as error:
            self.turn.emit(Notice(message=f"the replan failed: {error}", level="warning"))
            return False
        if plan is None:
            self.turn.emit(Notice(message="the planner gave no valid new plan: the plan has failed", level="warning"))
            return False
        failed, errors = [f.task.id for f in self.failures], "; ".join(f.error for f in self.failures)
        self._adopt(plan)
        self._emit_checklist("replan", self.goal, attempt=self.replans, failed=failed, error=errors)
        return True

    async def _ask(self, messages: list[Message], done) -> Plan | None:
        profile = self.turn.profile(PLANNER)
        schema = Plan.bound(self.turn.profiles, self.config.max_tasks, done)
        return await ask_structured(
            self.turn, schema, messages, agent=PLANNER, model=self.turn.model_for(profile), temperature=profile.temperature
        )

    def _adopt(self, plan: Plan) -> None:
        """The plan's tasks replace every unfinished one."""
        self.goal = plan.goal
        self.pending = {task.id: task for task in plan.tasks}
        self.ready = ReadyTasks(plan.tasks, self.done)
        self.failures = []

    def _planner_prompt(self) -> str:
        profiles = self.turn.profiles.items()
        agents = "\n".join(f"- {name}: {p.description or '(no description)'} ({_tools_of(p.tools)})" for name, p in profiles)
        tools = ", ".join(self.turn.registry.names()) or "(none)"
        return (
            f"{self.turn.profile(PLANNER).system_prompt}\n\n"
            f"Agents that can run a task (a task's \"agent\"):\n{agents}\n\nTools the agents can use: {tools}\n\n"
            f"Rules: at most {self.config.max_tasks} tasks. Each task has a short unique id, a self-contained "
            "description (its agent sees only the goal, that description and the results of the tasks it depends on), "
            "the ids it depends_on, and an agent from the list above. Dependencies must not form a cycle. Tasks that do "
            "not depend on each other run at the same time. Reply with only a JSON object "
            '{"goal": "...", "tasks": [{"id": "...", "description": "...", "depends_on": [], "agent": "assistant"}]}.'
        )

    def _replan_request(self) -> str:
        failed = "\n".join(f"- {f.task.id} ({f.task.description}) failed: {f.error}" for f in self.failures)
        done = "\n".join(f"- {t.id} ({t.description}): {_clip(run.answer, RESULT_CHARS)}" for t, run in self.done.values())
        waiting = "\n".join(f"- {t.id}: {t.description}" for t in self.pending.values())
        return (
            f"The plan for this goal failed part-way.\nGoal: {self.goal}\nThe user's request: {self.turn.user_text}\n\n"
            f"Failed:\n{failed}\n\n"
            f"Completed (they stay done: new tasks may depend on these ids but must not reuse them):\n{done or '(none)'}\n\n"
            f"Not started (your new tasks replace them):\n{waiting or '(none)'}\n\n"
            "Give a new plan: the goal and the tasks that remain to reach it, working around the failure "
            "rather than repeating the failed task unchanged."
        )

    # running ---------------------------------------------------------------------------

    async def _execute(self) -> bool:
        """Run the pending tasks in dependency order; True when one of them failed."""
        running: set[asyncio.Task] = set()
        try:
            while True:
                if not self.failures:
                    running |= {asyncio.create_task(self._run_task(task)) for task in self._ready(len(running))}
                if not running:
                    break
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for future in finished:
                    future.result()  # a bug (not a task failure) ends the turn
        finally:
            for future in running:
                future.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if self.pending and not self.failures:
            raise AgentshError(f"internal error: planner tasks {', '.join(self.pending)} can never start")
        return bool(self.failures)

    def _ready(self, running: int) -> list[PlanTask]:
        ready = self.ready.take(self.config.concurrency - running)
        for task in ready:
            del self.pending[task.id]
        return ready

    async def _run_task(self, task: PlanTask) -> None:
        self._emit_task(task, "running")
        try:
            prompt = self._task_prompt(task)
            run = await run_agent(self.turn, task.agent, prompt, label=f"task {task.id}", max_steps=self.config.task_max_steps)
        except (ModelError, ToolError) as error:
            return self._fail(task, f"{type(error).__name__}: {error}")
        if run.answer.lstrip().startswith(FAILED_PREFIX):
            return self._fail(task, run.answer.lstrip()[len(FAILED_PREFIX):].strip() or "no reason given")
        self.done[task.id] = (task, run)
        self.ready.finished(task.id)
        self.turn.progress = self._progress()
        self._emit_task(task, "done", result=run.answer, **({"step_limited": True} if run.step_limited else {}))

    def _progress(self) -> str:
        """The work done so far, kept as the answer if a budget stops the plan."""
        results = "\n\n".join(f"### {t.id}: {t.description}\n{run.answer}" for t, run in self.done.values())
        return f"Goal: {self.goal}\n\nDone so far:\n\n{results}"

    def _fail(self, task: PlanTask, error: str) -> None:
        self.failures.append(_Failure(task, error))
        self._emit_task(task, "failed", error=error)

    def _task_prompt(self, task: PlanTask) -> str:
        parts = [f"Overall goal: {self.goal}", f"Your task (id {task.id}): {task.description}"]
        inputs = [self.done[d] for d in task.depends_on if d in self.done]
        if inputs:
            results = "\n\n".join(f"[{t.id}] {t.description}\n{_clip(run.answer, RESULT_CHARS)}" for t, run in inputs)
            parts.append(f"Results of the tasks yours depends on:\n\n{results}")
        parts.append(
            "Do this task only, and reply with its result. If you cannot complete it, "
            f'reply with exactly "{FAILED_PREFIX} <reason>" and nothing else.'
        )
        return "\n\n".join(parts)

    # the end -----------------------------------------------------------------------------

    async def _synthesize(self) -> None:
        profile = self.turn.profile(WRITER)
        results = "\n\n".join(f"### {t.id}: {t.description}\n{run.answer}" for t, run in self.done.values())
        prompt = (
            f"The user's request:\n{self.turn.user_text}\n\nGoal: {self.goal}\n\n"
            f"Results of the work done for it:\n\n{results}\n\n"
            "Write the answer to the user's request from these results."
        )
        request = ModelRequest(messages=[system(profile.system_prompt), user(prompt)], temperature=profile.temperature)
        response = await answer_call(self.turn, request, model=self.turn.model_for(profile))
        self.turn.add(response.message)
        self.turn.output = response.message.content

    async def _give_up(self) -> None:
        for task in self.pending.values():
            self._emit_task(task, "skipped")
        undone = [await self._undo(*call) for call in self._to_undo()]
        answer = self._failure_answer(undone)
        self.turn.emit(TextDelta(delta=answer))
        self.turn.add(Message(role="assistant", content=answer))
        self.turn.output = answer

    def _to_undo(self) -> list[tuple[PlanTask, str, str, str]]:
        """(task, tool, compensating tool, its arguments) of every undoable call, last first."""
        undo = []
        for task, run in reversed(list(self.done.values())):
            for name, arguments, result in reversed(run.tool_calls()):
                tool = self.turn.registry.get(name)
                if tool is not None and tool.compensate:
                    undo.append((task, name, tool.compensate, self._undo_arguments(tool.compensate, arguments, result)))
        return undo

    def _undo_arguments(self, compensator: str, arguments: str, result: str) -> str:
        """The undone call's arguments, and its result when the compensating tool takes a `result`."""
        tool = self.turn.registry.get(compensator)
        takes_result = tool is not None and "result" in tool.parameters.get("properties", {})
        decoded = ToolCallPart(id="", name=compensator, arguments=arguments).parsed_arguments()
        if not takes_result or not isinstance(decoded, dict):
            return arguments
        return json.dumps({**decoded, "result": result})

    async def _undo(self, task: PlanTask, name: str, compensator: str, arguments: str) -> _Undo:
        call = ToolCallPart(id=f"undo_{uuid.uuid4().hex[:12]}", name=compensator, arguments=arguments)
        shown = call.parsed_arguments()
        self.turn.emit(ToolCall(id=call.id, name=compensator, arguments=shown, agent=PLANNER))
        [result] = await self.turn.executor.run([call], self.turn.emit, PLANNER)
        self.turn.emit(Step(
            kind="compensate", title=f"undo {name} of task {task.id} with {compensator}",
            status="done" if result.ok else "failed",
            data={"tool": compensator, "arguments": shown, "result": result.output, "undoes": name, "task": task.id},
        ))
        return _Undo(task, name, compensator, arguments, result.ok, result.output)

    def _failure_answer(self, undone: list[_Undo]) -> str:
        after = f" after {self.replans} replan{'s' if self.replans != 1 else ''}" if self.replans else ""
        lines = [f"The plan failed{after}. Goal: {self.goal}", ""]
        lines += [f"Failed: task {f.task.id} ({f.task.description}): {f.error}" for f in self.failures]
        lines += ["", "Done before the failure:"]
        lines += [f"- {t.id} ({t.description}): {_clip(run.answer, SUMMARY_CHARS)}" for t, run in self.done.values()]
        lines += [] if self.done else ["- nothing"]
        lines += ["", "Undone:"]
        for u in undone:
            outcome = "done" if u.ok else f"FAILED: {u.output}"
            lines.append(f"- {u.tool}({u.arguments}), undoing {u.undoes} of task {u.task.id}: {outcome}")
        if not undone:
            lines.append("- nothing: no completed task made a call that declares an undo (compensate) tool")
        if any(not u.ok for u in undone):
            lines += ["", "Some undo steps failed: what they should have undone is still in place."]
        if self.pending:
            lines += ["", "Not started: " + ", ".join(f"{t.id} ({t.description})" for t in self.pending.values())]
        return "\n".join(lines)

    # events ------------------------------------------------------------------------------

    def _emit_checklist(self, kind: str, title: str, **data) -> None:
        done = [_entry(t, "done") for t, _ in self.done.values()]
        pending = [_entry(t, "pending") for t in self.pending.values()]
        status = "running" if kind == "replan" else None
        self.turn.emit(Step(kind=kind, title=title, status=status, data={**data, "tasks": done + pending}))

    def _emit_task(self, task: PlanTask, status: str, **data) -> None:
        data = {"id": task.id, "agent": task.agent, **data}
        self.turn.emit(Step(kind="task", title=task.description, status=status, data=data))


def _entry(task: PlanTask, status: str) -> dict:
    return {**task.model_dump(), "status": status}


def _conversation(history: list[Message]) -> list[Message]:
    """The conversation as plain text (no system prompt, no tool traffic): what the planner reads."""
    return [Message(role=m.role, content=m.content) for m in history if m.role in ("user", "assistant") and m.content]


def _tools_of(tools: list[str] | None) -> str:
    if tools is None:
        return "any tool"
    return f"tools: {', '.join(tools)}" if tools else "no tools"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"


__all__ = ["FAILED_PREFIX", "Plan", "PlanTask", "PlannerConfig", "PlannerMode"]
