"""A workflow's DAG as terminal lines: each node under the first node it needs, the others named.

    research-report: research a goal and write a reviewed report
    inputs: goal
    search  agent researcher → {facts, questions}
    └─ synthesize  agent researcher
       └─ draft  agent writer
          └─ review  agent critic → {verdict, feedback}
"""

from __future__ import annotations

from .checker import dependencies
from .model import AgentNode, BaseNode, ModeNode, PythonNode, ToolNode, Workflow, WorkflowNode
from .schemas import kind_of


def draw(workflow: Workflow, undo: dict[str, str] | None = None) -> list[str]:
    """The tree's lines; `undo` names each tool's declared compensating tool (a saga shows its undos)."""
    spec = workflow.spec
    graph = dependencies(workflow)
    children: dict[str, list[str]] = {name: [] for name in spec.nodes}
    roots: list[str] = []
    for name, needs in graph.items():
        (children[needs[0]] if needs else roots).append(name)
    head = f"{workflow.name}: {spec.description}" if spec.description else workflow.name
    lines = [head]
    if spec.inputs:
        lines.append("inputs: " + ", ".join(f"{n}" + (f" (default {i.default!r})" if i.default is not None else "") for n, i in spec.inputs.items()))
    drawn: set[str] = set()
    for root in roots:
        _branch(workflow, graph, children, root, "", None, drawn, lines, undo or {})
    if spec.answer:
        lines.append(f"answer: {spec.answer.splitlines()[0]}{' …' if len(spec.answer.splitlines()) > 1 else ''}")
    return lines


def _branch(
    workflow: Workflow, graph: dict[str, list[str]], children: dict[str, list[str]], name: str, prefix: str,
    last: bool | None, drawn: set[str], lines: list[str], undo: dict[str, str],
) -> None:
    if name in drawn:  # a cycle: the checker reports it
        return
    drawn.add(name)
    connector = "" if last is None else ("└─ " if last else "├─ ")
    lines.append(f"{prefix}{connector}{name}  {describe(workflow.spec.nodes[name], graph[name][1:], undo)}")
    below = prefix + ("" if last is None else ("   " if last else "│  "))
    kids = children[name]
    for index, child in enumerate(kids):
        _branch(workflow, graph, children, child, below, index == len(kids) - 1, drawn, lines, undo)


def describe(node: BaseNode, also: list[str], undo: dict[str, str] | None = None) -> str:
    """What the node does, in a few words: its kind and target, its output's fields, its condition."""
    words = [_target(node)]
    if node.output is not None:
        fields = list(node.output.get("properties", {}))
        words.append("→ {" + ", ".join(fields) + "}" if fields else f"→ {kind_of(node.output)}")
    if node.when:
        words.append(f"when {node.when}")
    if also:
        words.append(f"(also after {', '.join(also)})")
    compensate = node.compensate or (undo or {}).get(node.tool) if isinstance(node, ToolNode) else None
    if compensate:
        words.append(f"undo: {compensate}")
    return "  ".join(words)


def _target(node: BaseNode) -> str:
    if isinstance(node, AgentNode):
        return f"agent {node.agent}"
    if isinstance(node, ToolNode):
        return f"tool {node.tool}"
    if isinstance(node, ModeNode):
        return f"mode {node.mode}"
    if isinstance(node, WorkflowNode):
        return f"workflow {node.workflow}"
    assert isinstance(node, PythonNode)
    return f"python {node.step}"
