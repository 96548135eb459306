"""Check a workflow before a token is spent: every problem with its file, line and a suggestion.

Unknown placeholders, nodes, inputs, profiles, tools, modes, workflows and python steps; cycles (within
a file and between workflows); a reference whose field the referenced node's `output` schema does not
have, or whose type does not fit where it is used; `when` conditions that do not parse or can never be
true (the node, and what needs it, is unreachable); a `fallback` its own schema rejects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from . import expressions as ex
from .model import AgentNode, BaseNode, ModeNode, PythonNode, ToolNode, Workflow, WorkflowNode
from .schemas import SchemaProblem, check_schema, field_schema, kind_of, model_for, suggestion
from .templates import INPUTS, REQUEST, placeholders

WORKFLOW_MODE_PREFIX = "workflow:"


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Known:
    """What a workflow may name: profiles, tools (name -> declared compensate and argument types), modes,
    workflows and python steps."""

    profiles: set[str] = field(default_factory=set)
    tools: dict[str, ToolInfo] = field(default_factory=dict)
    modes: set[str] = field(default_factory=set)
    workflows: dict[str, Workflow] = field(default_factory=dict)
    steps: set[str] = field(default_factory=set)
    remote: set[str] = field(default_factory=set)  # profiles that are remote agents: they answer text, never a schema


@dataclass(frozen=True)
class ToolInfo:
    compensate: str | None = None
    argument_types: dict[str, str] = field(default_factory=dict)


def dependencies(workflow: Workflow) -> dict[str, list[str]]:
    """Each node's nodes: its `needs` and every node its templates or `when` read (in file order)."""
    names = workflow.spec.nodes
    graph: dict[str, list[str]] = {}
    for name, node in names.items():
        found = list(node.needs) + [p.root for text in node.templates().values() for p in placeholders(text)]
        found += [str(ref.parts[0]) for ref in _when_refs(node)]
        graph[name] = [d for d in dict.fromkeys(found) if d in names and d != name]
    return graph


def _when_refs(node: BaseNode) -> list[ex.Ref]:
    if not node.when:
        return []
    try:
        return ex.references(ex.parse(node.when))
    except ex.ExpressionError:
        return []


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle as a path (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for after in graph.get(name, []):
            if state.get(after) == 1:
                return [*stack[stack.index(after):], after]
            if after not in state and (cycle := visit(after)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in graph:
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


class _Checker:
    def __init__(self, workflow: Workflow, known: Known) -> None:
        self.workflow, self.known = workflow, known
        self.spec = workflow.spec
        self.problems: list[Problem] = []
        self.graph = dependencies(workflow)
        self.never: set[str] = set()
        self.values_missed: dict[str, str] = {}  # node -> why its when misses: the values a field can take

    def report(self, path: tuple[str, ...], message: str, text: str | None = None) -> None:
        positions = self.workflow.positions
        line = positions.line_of_text(path, text) if text else positions.line(path)
        self.problems.append(Problem(str(self.workflow.path), line, message))

    def run(self) -> list[Problem]:
        for name, node in self.spec.nodes.items():
            where = ("nodes", name)
            self._needs(where, node)
            self._output(where, node)
            self._kind(where, name, node)
            for key, text in node.templates().items():
                self._template((*where, *key), text, name)
            self._when(where, name, node)
        if self.spec.answer:
            self._template(("answer",), self.spec.answer, None)
        self._cycles()
        self._unreachable()
        return sorted(self.problems, key=lambda p: p.line)

    # names ------------------------------------------------------------------------------

    def _needs(self, where: tuple[str, ...], node: BaseNode) -> None:
        for needed in node.needs:
            if needed not in self.spec.nodes:
                self.report((*where, "needs"), f"needs names an unknown node {needed!r}{suggestion(needed, list(self.spec.nodes))}")

    def _kind(self, where: tuple[str, ...], name: str, node: BaseNode) -> None:
        if isinstance(node, AgentNode):
            self._named((*where, "agent"), "agent profile", node.agent, self.known.profiles, "define it under [agents.NAME] in the config")
            if node.escalate is not None:
                self._named((*where, "escalate", "to"), "agent profile", node.escalate.to, self.known.profiles, "define it under [agents.NAME] in the config")
        elif isinstance(node, ToolNode):
            self._tool(where, node)
        elif isinstance(node, ModeNode):
            if node.mode.startswith(WORKFLOW_MODE_PREFIX):
                target = node.mode[len(WORKFLOW_MODE_PREFIX):]
                self.report((*where, "mode"), f"a workflow runs as a workflow node: write kind = \"workflow\" and workflow = {target!r}")
            else:
                self._named((*where, "mode"), "mode", node.mode, self.known.modes, "`agentsh modes` lists them")
        elif isinstance(node, WorkflowNode):
            self._nested(where, node)
        elif isinstance(node, PythonNode):
            self._named((*where, "step"), "python step", node.step, self.known.steps, "define it with @step in a plugin file")

    def _named(self, path: tuple[str, ...], what: str, name: str, known: Iterable[str], hint: str) -> bool:
        known = list(known)
        if name in known:
            return True
        close = suggestion(name, known)
        self.report(path, f"unknown {what} {name!r}" + (close if close.startswith(";") else f"; {hint}"))
        return False

    def _tool(self, where: tuple[str, ...], node: ToolNode) -> None:
        if not self._named((*where, "tool"), "tool", node.tool, self.known.tools, "`agentsh tools` lists them"):
            return
        if node.compensate:
            self._named((*where, "compensate"), "compensating tool", node.compensate, self.known.tools, "`agentsh tools` lists them")
        types = self.known.tools[node.tool].argument_types
        for argument, value in node.args.items():
            if types and argument not in types:
                self.report((*where, "args", argument), f"tool {node.tool} has no argument {argument!r}{suggestion(argument, list(types))}")
            elif isinstance(value, str) and argument in types:
                self._argument_type((*where, "args", argument), node.tool, argument, value, types[argument])

    def _argument_type(self, path: tuple[str, ...], tool: str, argument: str, value: str, wanted: str) -> None:
        found = placeholders(value)
        if len(found) != 1 or "{" + found[0].text + "}" != value or found[0].root not in self.spec.nodes:
            return
        schema, _ = field_schema(self.spec.nodes[found[0].root].output, found[0].parts[1:], found[0].text)
        if schema is None:
            return
        kind = kind_of(schema)
        if kind != wanted and not (kind == "integer" and wanted == "number"):
            self.report(path, f"type mismatch: {{{found[0].text}}} is {kind} but {tool}'s argument {argument} wants {wanted}", value)

    def _nested(self, where: tuple[str, ...], node: WorkflowNode) -> None:
        target = self.known.workflows.get(node.workflow)
        if target is None:
            self._named((*where, "workflow"), "workflow", node.workflow, self.known.workflows, "`agentsh workflows list` lists them")
            return
        for name in node.inputs:
            if name not in target.spec.inputs:
                self.report((*where, "inputs", name), f"workflow {node.workflow} has no input {name!r}{suggestion(name, list(target.spec.inputs))}")
        chain = workflow_cycle(self.workflow.name, self.known.workflows, {self.workflow.name: self.workflow})
        if chain:
            self.report((*where, "workflow"), f"workflows call each other in a cycle: {' → '.join(chain)}; remove one of these workflow nodes")

    # outputs and references ---------------------------------------------------------------

    def _output(self, where: tuple[str, ...], node: BaseNode) -> None:
        if node.output is not None and isinstance(node, AgentNode) and node.agent in self.known.remote:
            self.report(
                (*where, "output"), f"agent profile {node.agent!r} is a remote agent (url): it answers text, not a structured "
                "output; remove output, or name a local profile",
            )
        if node.output is None:
            if node.fallback is not None:
                self.report((*where, "fallback"), "a fallback needs an output schema to be checked against: add output = {...}")
            return
        try:
            check_schema(node.output)
        except SchemaProblem as problem:
            self.report((*where, "output"), f"{problem}")
            return
        if node.fallback is not None:
            try:
                model_for(node.output, "fallback").model_validate(node.fallback if kind_of(node.output) == "object" else {"value": node.fallback})
            except ValidationError as error:
                first = error.errors()[0]
                self.report((*where, "fallback"), f"the fallback does not match the output schema: {'.'.join(map(str, first['loc']))}: {first['msg']}")

    def _template(self, path: tuple[str, ...], text: str, node: str | None) -> None:
        for placeholder in placeholders(text):
            self._reference(path, placeholder.parts, placeholder.text, node, "{" + placeholder.text + "}")

    def _reference(self, path: tuple[str, ...], parts: tuple[str | int, ...], shown: str, node: str | None, raw: str) -> dict[str, Any] | None:
        root = str(parts[0])
        if root == REQUEST and len(parts) == 1:
            return {"type": "string"}
        if root == INPUTS:
            return self._input(path, parts, raw)
        if root not in self.spec.nodes:
            names = [*self.spec.nodes, INPUTS, REQUEST]
            self.report(path, f"unknown placeholder {raw}: no node named {root!r}{suggestion(root, names)}", raw)
            return None
        if root == node:
            self.report(path, f"{raw} refers to its own node: a node can read only earlier nodes' outputs", raw)
            return None
        referenced = self.spec.nodes[root]
        if referenced.output is None and not isinstance(referenced, (AgentNode, ModeNode)):
            return None  # a tool's, a step's or a workflow's value: its shape is known only when it runs
        schema, problem = field_schema(referenced.output, parts[1:], shown)
        if problem:
            self.report(path, f"{raw}: {problem}", raw)
        return schema if schema is not None else ({"type": "string"} if len(parts) == 1 and not problem else None)

    def _input(self, path: tuple[str, ...], parts: tuple[str | int, ...], raw: str) -> dict[str, Any] | None:
        if len(parts) != 2 or not isinstance(parts[1], str):
            self.report(path, f"{raw}: write {{inputs.NAME}} for an input", raw)
            return None
        if parts[1] not in self.spec.inputs:
            close = suggestion(parts[1], list(self.spec.inputs))
            close = close if close.startswith(";") else f"; declare it under [inputs.{parts[1]}]"
            self.report(path, f"unknown placeholder {raw}: no input named {parts[1]!r}{close}", raw)
            return None
        return {"type": "string"}

    # when -------------------------------------------------------------------------------

    def _when(self, where: tuple[str, ...], name: str, node: BaseNode) -> None:
        if not node.when:
            return
        path = (*where, "when")
        try:
            expr = ex.parse(node.when)
        except ex.ExpressionError as error:
            self.report(path, f"when: {error} (at character {error.position + 1} of {node.when!r})")
            return
        if self._never_true(path, expr, name):
            self.never.add(name)

    def _never_true(self, path: tuple[str, ...], expr: ex.Expr, node: str) -> bool:
        """Check the expression's references and types; True when it can never be true."""
        if isinstance(expr, ex.Literal):
            return not expr.value
        if isinstance(expr, ex.Ref):
            self._reference(path, expr.parts, expr.text, node, expr.text)
            return False
        if isinstance(expr, ex.Not):
            self._never_true(path, expr.item, node)
            return isinstance(expr.item, ex.Literal) and bool(expr.item.value)
        if isinstance(expr, ex.BoolOp):
            results = [self._never_true(path, item, node) for item in expr.items]
            return any(results) if expr.op == "and" else all(results)
        return self._comparison(path, expr, node)

    def _comparison(self, path: tuple[str, ...], expr: ex.Compare, node: str) -> bool:
        sides = [self._side(path, side, node) for side in (expr.left, expr.right)]
        ref_schema = next((s for s in sides if s is not None), None)
        literal = next((side.value for side in (expr.left, expr.right) if isinstance(side, ex.Literal)), _MISSING)
        if ref_schema is None or literal is _MISSING or expr.op in ("in", "not in") or literal is None:
            return False
        kind = kind_of(ref_schema)
        if not _fits(kind, literal):
            shown = next(side.text for side in (expr.left, expr.right) if isinstance(side, ex.Ref))
            self.report(path, f"type mismatch in when: {shown} is {kind}, compared with {literal!r}")
            return False
        if expr.op == "==" and "enum" in ref_schema and literal not in ref_schema["enum"]:
            shown = next(side.text for side in (expr.left, expr.right) if isinstance(side, ex.Ref))
            self.values_missed[node] = _values_listed(shown, ref_schema["enum"], literal)
            return True
        return False

    def _side(self, path: tuple[str, ...], side: ex.Expr, node: str) -> dict[str, Any] | None:
        if isinstance(side, ex.Ref):
            return self._reference(path, side.parts, side.text, node, side.text)
        if not isinstance(side, ex.Literal):
            self._never_true(path, side, node)
        return None

    # the graph ----------------------------------------------------------------------------

    def _cycles(self) -> None:
        cycle = find_cycle(self.graph)
        if cycle:
            self.report(("nodes", cycle[0]), f"the nodes form a cycle: {' → '.join(cycle)}; remove one of these needs or references")

    def _unreachable(self) -> None:
        blocked: dict[str, str] = {}  # node -> the node that never runs, which it needs
        for name in _topological(self.graph):
            if name in self.never:
                why = f": {self.values_missed[name]}" if name in self.values_missed else ""
                self.report(("nodes", name, "when"), f"node {name} is unreachable: its when can never be true ({self.spec.nodes[name].when}){why}")
                continue
            cause = next((d if d in self.never else blocked[d] for d in self.graph[name] if d in self.never or d in blocked), None)
            if cause is not None:
                blocked[name] = cause
                self.report(("nodes", name), f"node {name} is unreachable: it needs {cause}, which never runs")


def _values_listed(name: str, values: list[Any], missed: Any) -> str:
    """"label is one of 'bad', 'good'; did you mean 'good'?": what an enum field can be, and the closest to the value it never is."""
    close = suggestion(str(missed), [str(v) for v in values])
    return f"{name} is one of {', '.join(repr(v) for v in values)}{close if close.startswith(';') else ''}"


def _topological(graph: dict[str, list[str]]) -> list[str]:
    """The nodes, each after what it needs (nodes in a cycle are left out: the cycle is reported)."""
    waiting = {name: len(needs) for name, needs in graph.items()}
    users: dict[str, list[str]] = {name: [] for name in graph}
    for name, needs in graph.items():
        for needed in needs:
            users[needed].append(name)
    order = [name for name, count in waiting.items() if count == 0]
    for name in order:  # grows while it is read
        for user in users[name]:
            waiting[user] -= 1
            if waiting[user] == 0:
                order.append(user)
    return order


_MISSING = object()


def _fits(kind: str, literal: Any) -> bool:
    if isinstance(literal, bool):
        return kind == "boolean"
    if isinstance(literal, (int, float)):
        return kind in ("number", "integer")
    if isinstance(literal, str):
        return kind == "string"
    return True


def workflow_cycle(start: str, workflows: dict[str, Workflow], extra: dict[str, Workflow]) -> list[str] | None:
    """A chain of workflow nodes leading back to `start`, or None."""
    everything = {**workflows, **extra}
    graph = {
        name: [n.workflow for n in flow.spec.nodes.values() if isinstance(n, WorkflowNode) and n.workflow in everything]
        for name, flow in everything.items()
    }
    cycle = find_cycle({name: graph[name] for name in _reachable(start, graph)})
    return cycle if cycle and start in cycle else None


def _reachable(start: str, graph: dict[str, list[str]]) -> list[str]:
    seen, todo = [start], [start]
    while todo:
        for after in graph.get(todo.pop(), []):
            if after not in seen:
                seen.append(after)
                todo.append(after)
    return seen


def check(workflow: Workflow, known: Known) -> list[Problem]:
    """Every problem of `workflow`, by line."""
    return _Checker(workflow, known).run()
