"""The planner's plan: a DAG of tasks, validated as a whole before anything runs.

`Plan.bound(agents, max_tasks, done)` is the schema handed to `ask_structured`: its
validator rejects duplicate ids, self-dependencies, unknown dependencies, cycles,
unknown agents and too many tasks with one precise message, which goes back to the
planner so that it can fix the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from pydantic import BaseModel, Field, model_validator


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
        """This schema, checked against the given agents, task limit and completed task ids."""
        namespace = {"agents": tuple(agents), "max_tasks": max_tasks, "done_ids": frozenset(done), "__module__": __name__}
        return type("Plan", (cls,), namespace)


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
    """A dependency cycle as a closed path (['a', 'b', 'a']), or None. Unknown ids are ignored."""
    state: dict[str, str] = {}  # "open" while on the current path, "closed" once fully explored
    for start in depends_on:
        path = _cycle_from(start, depends_on, state, [])
        if path:
            return path
    return None


def _cycle_from(node: str, graph: dict[str, list[str]], state: dict[str, str], path: list[str]) -> list[str] | None:
    if state.get(node) == "closed":
        return None
    if state.get(node) == "open":
        return [*path[path.index(node):], node]
    state[node] = "open"
    path.append(node)
    for dep in graph.get(node, []):
        if dep in graph:
            found = _cycle_from(dep, graph, state, path)
            if found:
                return found
    path.pop()
    state[node] = "closed"
    return None


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for i in ids:
        if i in seen and i not in repeated:
            repeated.append(i)
        seen.add(i)
    return repeated
