"""The planner's plan: a DAG of tasks, validated as a whole before anything runs.

`Plan.bound(agents, max_tasks, done)` is the schema handed to `ask_structured`: its
validator rejects duplicate ids, self-dependencies, unknown dependencies, cycles,
unknown agents and too many tasks with one precise message, which goes back to the
planner so that it can fix the plan.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable
from typing import ClassVar

from pydantic import BaseModel, Field, create_model, model_validator

from ..models.choices import listed


class PlanTask(BaseModel):
    id: str = Field(min_length=1, description="a short unique id, such as 'a' or 'fetch'")
    description: str = Field(
        min_length=1, description="what to do, self-contained: its agent sees only this, the goal and its dependencies' results"
    )
    depends_on: list[str] = Field([], description="ids of the tasks whose results this one needs")
    agent: str = Field("assistant", description="the agent profile that runs the task")


class Plan(BaseModel):
    # Set by `bound()`: what this plan is checked against. Empty `agents`: any name.
    agents: ClassVar[tuple[str, ...]] = ()
    max_tasks: ClassVar[int] = 8
    done_ids: ClassVar[frozenset[str]] = frozenset()

    goal: str
    tasks: list[PlanTask]

    @model_validator(mode="after")
    def _valid_dag(self) -> Plan:
        problems = plan_problems(self.tasks, self.agents, self.max_tasks, self.done_ids)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @classmethod
    def bound(cls, agents: Iterable[str], max_tasks: int, done: Iterable[str] = ()) -> type[Plan]:
        """This schema, checked against the given agents (listed in the schema), task limit and completed task ids."""
        valid = tuple(agents)
        namespace = {
            "agents": valid, "max_tasks": max_tasks, "done_ids": frozenset(done), "__module__": __name__,
            # list[...] spelt out: mypy reads a subscript as a type, and a call is not one
            "__annotations__": {"tasks": list.__class_getitem__(_task_schema(valid))},
        }
        return type("Plan", (cls,), namespace)


def _task_schema(agents: tuple[str, ...]) -> type[PlanTask]:
    """`PlanTask` whose `agent` lists the valid agents as an enum: a schema-following model can pick no other."""
    if not agents:
        return PlanTask
    agent = Field("assistant", description=PlanTask.model_fields["agent"].description, json_schema_extra=listed(agents))
    return create_model("PlanTask", __base__=PlanTask, __module__=__name__, agent=(str, agent))


def plan_problems(tasks: list[PlanTask], agents: Iterable[str], max_tasks: int, done: frozenset[str] = frozenset()) -> list[str]:
    """Every reason the tasks are not a runnable DAG; [] when they are."""
    if not tasks:
        return ["the plan has no tasks; give at least one"]
    if len(tasks) > max_tasks:
        return [f"the plan has {len(tasks)} tasks; at most {max_tasks} are allowed: merge or drop some"]
    problems: list[str] = []
    ids = [task.id for task in tasks]
    problems += [f"duplicate task id {i!r}" for i in _duplicates(ids)]
    problems += [f"task id {i!r} is already done; give the new task another id" for i in ids if i in done]
    known = set(ids) | set(done)
    valid_agents = tuple(agents)
    for task in tasks:
        if task.id in task.depends_on:
            problems.append(f"task {task.id!r} depends on itself")
        for dep in task.depends_on:
            if dep not in known:
                problems.append(f"task {task.id!r} depends on unknown task {dep!r}; known ids: {', '.join(sorted(known))}")
        if valid_agents and task.agent not in valid_agents:
            problems.append(f"task {task.id!r} has unknown agent {task.agent!r}; valid agents: {', '.join(valid_agents)}")
    cycle = find_cycle({t.id: [d for d in t.depends_on if d != t.id] for t in tasks})
    if cycle:
        problems.append("cycle: " + " → ".join(cycle))
    return problems


def find_cycle(depends_on: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle as a closed path (['a', 'b', 'a']), or None. Unknown ids are ignored.

    A depth-first search with its own stack: a chain of thousands of tasks must not exhaust Python's.
    """
    state: dict[str, str] = {}  # "open" while on the current path, "closed" once fully explored
    for start in depends_on:
        path = _cycle_from(start, depends_on, state)
        if path:
            return path
    return None


def _cycle_from(start: str, graph: dict[str, list[str]], state: dict[str, str]) -> list[str] | None:
    if state.get(start) == "closed":
        return None
    path = [start]
    pending = [iter(graph[start])]  # per node on the path: the dependencies not yet explored
    state[start] = "open"
    while pending:
        dep = next((d for d in pending[-1] if d in graph and state.get(d) != "closed"), None)
        if dep is None:
            state[path.pop()] = "closed"
            pending.pop()
        elif state.get(dep) == "open":
            return [*path[path.index(dep):], dep]
        else:
            state[dep] = "open"
            path.append(dep)
            pending.append(iter(graph[dep]))
    return None


class ReadyTasks:
    """The tasks of a plan whose dependencies are all done, in plan order, kept up to date as tasks finish.

    Each finished task updates only the tasks that depend on it, so a plan of n tasks is ordered
    in time proportional to n and its dependencies, not n² (rescanning every waiting task).
    """

    def __init__(self, tasks: list[PlanTask], done: Collection[str]) -> None:
        self.tasks = tasks
        self.waiting = [{d for d in task.depends_on if d not in done} for task in tasks]
        self.dependants: dict[str, list[int]] = {}
        for index, _task in enumerate(tasks):
            for dep in self.waiting[index]:
                self.dependants.setdefault(dep, []).append(index)
        self.ready = [index for index, deps in enumerate(self.waiting) if not deps]  # a heap of plan positions

    def take(self, count: int) -> list[PlanTask]:
        """Up to `count` ready tasks, first in plan order first; they are no longer ready."""
        return [self.tasks[heapq.heappop(self.ready)] for _ in range(min(max(count, 0), len(self.ready)))]

    def finished(self, task_id: str) -> None:
        for index in self.dependants.pop(task_id, []):
            self.waiting[index].discard(task_id)
            if not self.waiting[index]:
                heapq.heappush(self.ready, index)


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for i in ids:
        if i in seen and i not in repeated:
            repeated.append(i)
        seen.add(i)
    return repeated
