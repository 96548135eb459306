"""A planner's plan, as a workflow file the user can edit and rerun (/save-plan NAME).

Each task becomes an agent node (its profile, its description as the prompt, what it depends on as
`needs` and as the results it reads); a last `answer` node writes the answer from every result, as
the planner's synthesis does. The goal becomes the workflow's input, with the plan's goal as default.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import WorkflowError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise WorkflowError(f"a workflow name is letters, digits, - and _ (up to 64), not {name!r}: /save-plan my-plan")
    return name


def plan_to_toml(plan: dict[str, Any]) -> str:
    """The TOML text of a workflow that runs `plan` ({"goal", "tasks": [{id, description, depends_on, agent}]})."""
    tasks = plan.get("tasks") or []
    if not tasks:
        raise WorkflowError("the last plan has no tasks to save")
    ids = _node_ids([str(task.get("id", "")) for task in tasks])
    lines = [
        "# Saved from a planner turn. Edit it, then run it: /mode workflow:NAME (or agentsh run --mode workflow:NAME)",
        f"description = {_string('the plan for: ' + str(plan.get('goal', '')))}",
        'answer = "{answer}"',
        "",
        "[inputs.goal]",
        f"default = {_string(_literal(str(plan.get('goal', ''))))}",
        "",
    ]
    for task, node in zip(tasks, ids.values(), strict=True):
        lines += _task_node(task, node, ids)
    lines += _answer_node(list(ids.values()))
    return "\n".join(lines)


def _task_node(task: dict[str, Any], node: str, ids: dict[str, str]) -> list[str]:
    needs = [ids[str(d)] for d in task.get("depends_on") or [] if str(d) in ids]
    prompt = "Goal: {inputs.goal}\n\nYour task: " + _literal(str(task.get("description", "")))
    prompt += "".join(f"\n\nResult of {need}:\n{{{need}}}" for need in needs)
    return [
        f"[nodes.{node}]",
        'kind = "agent"',
        f"agent = {_string(str(task.get('agent') or 'assistant'))}",
        f"prompt = {_string(prompt)}",
        f"needs = [{', '.join(_string(n) for n in needs)}]",
        "",
    ]


def _answer_node(nodes: list[str]) -> list[str]:
    results = "".join(f"\n\n{node}:\n{{{node}}}" for node in nodes)
    prompt = "Answer the goal: {inputs.goal}\n\nFrom the results of its tasks:" + results
    return ["[nodes.answer]", 'kind = "agent"', 'agent = "writer"', f"prompt = {_string(prompt)}", ""]


def _node_ids(task_ids: list[str]) -> dict[str, str]:
    """Task id -> a node name TOML and templates accept, unique ("answer" is the last node's)."""
    names: dict[str, str] = {}
    for index, task_id in enumerate(task_ids, 1):
        name = _UNSAFE.sub("_", task_id).strip("_") or f"task_{index}"
        name = name if name[0].isalpha() else f"t_{name}"
        while name in names.values() or name == "answer":
            name += "_"
        names[task_id] = name
    return names


def _literal(text: str) -> str:
    """A model's text inside a template: its braces are literal."""
    return text.replace("{", "{{").replace("}", "}}")


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)
