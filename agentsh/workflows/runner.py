"""Run a workflow: its nodes as a DAG, independent ones at once (at most `concurrency`), with compensation.

Each node reports `Step(kind="node")` events (pending → running → done | skipped | failed) whose
`parent_id` is the workflow's own step, so the UIs draw the run as a tree; a nested workflow's nodes
hang under the node that called it.

A node whose `when` is false is skipped, and so is every node that needs it (its output is null:
a template shows it as nothing). A node that fails is tried again `retries` times; then the
running nodes are cancelled, every tool node that completed is undone in reverse order of completion
(its compensating tool gets the original arguments and the result), and the run fails.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError, create_model

from ..agent.escalation import escalates, report_escalation
from ..agent.loop import run_tool_loop
from ..agent.structured import ask_structured
from ..agent.subagent import run_agent
from ..agent.turn import Turn
from ..errors import AgentshError, WorkflowError
from ..events import Event, Notice, Step, TextDelta, ToolCall
from ..messages import ToolCallPart, system, user
from ..profiles import Escalate
from ..tools.executor import ToolExecutor
from ..tools.registry import ToolRegistry
from . import expressions as ex
from .checker import dependencies
from .model import AgentNode, BaseNode, ModeNode, PythonNode, ToolNode, Workflow, WorkflowNode
from .schemas import kind_of, model_for, unwrap
from .templates import INPUTS, REQUEST, Placeholder, as_text, field_of, render, render_value

if TYPE_CHECKING:
    from .loader import WorkflowCatalog

MAX_DEPTH = 5  # workflows inside workflows
RunMode = Callable[[str, Turn], Awaitable[None]]  # runs the named mode on a turn


@dataclass
class Done:
    """A tool node that completed: what to undo it with, should the workflow fail."""

    node: str
    tool: str
    compensate: str | None
    arguments: dict[str, Any]
    result: Any


@dataclass
class _State:
    outputs: dict[str, Any] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    started: set[str] = field(default_factory=set)
    finished: list[str] = field(default_factory=list)
    undo: list[Done] = field(default_factory=list)


def bind_inputs(workflow: Workflow, request: str) -> dict[str, str]:
    """The inputs' values: a JSON object naming them, else the request fills the first input; then defaults."""
    declared = workflow.spec.inputs
    given: dict[str, Any] = {}
    try:
        parsed = json.loads(request)
        if isinstance(parsed, dict) and parsed and set(parsed) <= set(declared):
            given = {key: as_text(value) for key, value in parsed.items()}
    except ValueError:
        pass
    if not given and declared:
        given = {next(iter(declared)): request}
    values = {}
    for name, spec in declared.items():
        value = given.get(name, spec.default)
        if value is None or (not value.strip() and spec.default is not None):
            value = spec.default
        if value is None:
            raise WorkflowError(f"workflow {workflow.name} needs its input {name!r}: send a JSON object such as {{\"{name}\": \"...\"}}")
        values[name] = value
    return values


class WorkflowRun:
    def __init__(
        self, workflow: Workflow, turn: Turn, catalog: WorkflowCatalog, run_mode: RunMode, *,
        parent_id: str | None = None, stack: tuple[str, ...] = (),
    ) -> None:
        self.workflow, self.turn, self.catalog, self.run_mode = workflow, turn, catalog, run_mode
        self.spec = workflow.spec
        self.stack = (*stack, workflow.name)
        self.parent_id = parent_id
        self.id = f"wf-{uuid.uuid4().hex[:8]}"
        self.graph = dependencies(workflow)
        self.state = _State()
        self.request = ""
        self.inputs: dict[str, str] = {}
        self.slots = asyncio.Semaphore(self.spec.concurrency)

    # the run --------------------------------------------------------------------------------

    async def run(self, request: str, inputs: dict[str, str] | None = None) -> Any:
        """The workflow's answer (text, or a value when the answer is one structured field)."""
        if len(self.stack) > MAX_DEPTH or self.workflow.name in self.stack[:-1]:
            raise WorkflowError(f"workflows nest too deep or call each other in a cycle: {' → '.join(self.stack)}")
        self.request = request
        self.inputs = inputs if inputs is not None else bind_inputs(self.workflow, request)
        self._emit_root("running")
        for name, node in self.spec.nodes.items():
            self._emit(name, node, "pending")
        try:
            await self._schedule()
        except BaseException as failure:
            self._not_run(failure)
            await self._compensate()
            self._emit_root("failed")
            if isinstance(failure, AgentshError) and not isinstance(failure, WorkflowError):
                raise WorkflowError(f"workflow {self.workflow.name}: {failure}") from None
            raise
        self._emit_root("done")
        return self._answer()

    async def _schedule(self) -> None:
        waiting = list(self.spec.nodes)
        running: dict[asyncio.Task[None], str] = {}
        try:
            while waiting or running:
                for name in [n for n in waiting if self._ready(n)]:
                    waiting.remove(name)
                    running[asyncio.create_task(self._node(name))] = name
                if not running:
                    raise WorkflowError(f"workflow {self.workflow.name}: nodes {', '.join(waiting)} can never start (a cycle)")
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    running.pop(task)
                    task.result()  # a failed node raises here
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    def _ready(self, name: str) -> bool:
        done = set(self.state.finished) | self.state.skipped
        return all(dependency in done for dependency in self.graph[name])

    async def _node(self, name: str) -> None:
        node = self.spec.nodes[name]
        if any(d in self.state.skipped for d in self.graph[name]) or (node.when and not self._when(name, node.when)):
            self.state.skipped.add(name)
            self._emit(name, node, "skipped")
            return
        async with self.slots:
            self.state.started.add(name)
            self._emit(name, node, "running")
            try:
                value = await self._attempts(name, node)
            except asyncio.CancelledError:
                self._emit(name, node, "stopped")
                raise
            except AgentshError as failure:
                self._emit(name, node, "failed", error=str(failure))
                raise WorkflowError(f"workflow {self.workflow.name} failed at node {name}: {failure}") from None
        self.state.outputs[name] = value
        self.state.finished.append(name)
        self._emit(name, node, "done", output=as_text(value))

    def _not_run(self, failure: BaseException) -> None:
        """The nodes the failure (or a cancel) left waiting: skipped, so no tree shows them pending after the run."""
        why = "the workflow was stopped" if isinstance(failure, asyncio.CancelledError) else "the workflow failed"
        for name, node in self.spec.nodes.items():
            if name not in self.state.started and name not in self.state.skipped:
                self.state.skipped.add(name)
                self._emit(name, node, "skipped", reason=f"not run: {why}")

    def _when(self, name: str, condition: str) -> bool:
        try:
            return bool(ex.evaluate(ex.parse(condition), self._field))
        except ex.ExpressionError as error:
            raise WorkflowError(f"node {name}: when: {error}") from None
        except WorkflowError as error:
            raise WorkflowError(f"node {name}: when {condition!r}: {error}") from None

    async def _attempts(self, name: str, node: BaseNode) -> Any:
        for attempt in range(node.retries + 1):
            try:
                return await self._execute(name, node)
            except AgentshError as failure:
                if attempt == node.retries:
                    raise
                note = f"node {name} failed ({failure}); trying again ({attempt + 2} of {node.retries + 1})"
                self.turn.emit(Notice(message=note, level="warning"))
        raise AssertionError("unreachable")

    # the kinds of node ------------------------------------------------------------------------

    async def _execute(self, name: str, node: BaseNode) -> Any:
        if isinstance(node, AgentNode):
            return await self._agent(name, node)
        value = await self._other(name, node)
        return value if node.output is None else _validated(name, node.output, value)

    async def _other(self, name: str, node: BaseNode) -> Any:
        if isinstance(node, ToolNode):
            return await self._tool(name, node)
        if isinstance(node, ModeNode):
            return await self._mode(name, node)
        if isinstance(node, WorkflowNode):
            return await self._workflow(name, node)
        assert isinstance(node, PythonNode)
        return await self._python(name, node)

    async def _agent(self, name: str, node: AgentNode) -> Any:
        prompt = self._render(node.prompt)
        if node.escalate is not None:
            return await self._escalating(name, node, node.escalate, prompt)
        if node.output is None and node.model is None and node.temperature is None:  # a profile as any mode runs one
            return (await run_agent(self.turn, node.agent, prompt, label=name)).answer
        profile = self.turn.profile(node.agent)
        if node.model:
            profile = profile.model_copy(update={"model": node.model})
        client = self.turn.model_for(profile)
        temperature = node.temperature if node.temperature is not None else profile.temperature
        messages = [system(profile.system_prompt), user(prompt)]
        if node.output is None:
            answer = await run_tool_loop(self.turn, messages, tools=profile.tools, agent=name, model=client, temperature=temperature)
            return answer.content
        schema = model_for(node.output, name)
        found = await ask_structured(self.turn, schema, messages, agent=name, model=client, temperature=temperature)
        if found is not None:
            return unwrap(node.output, found.model_dump(mode="json"))
        if node.fallback is not None:
            self.turn.emit(Notice(message=f"node {name}: no valid output; using its fallback", level="warning"))
            return node.fallback
        raise WorkflowError(f"node {name} gave no output matching its schema (add a fallback to go on without one)")

    async def _escalating(self, name: str, node: AgentNode, escalate: Escalate, prompt: str) -> Any:
        """An agent node with `escalate`: it answers with its confidence; too unsure, the profile `to` answers instead."""
        value, confidence = await self._rated(name, node, node.agent, prompt)
        if escalates(escalate, confidence) and confidence is not None:
            report_escalation(self.turn, f"node {name}", escalate, confidence, parent=self._node_id(name))
            value, _ = await self._rated(name, node, escalate.to, prompt)
        return value

    async def _rated(self, name: str, node: AgentNode, agent: str, prompt: str) -> tuple[Any, float | None]:
        """One structured answer of `agent` with its confidence (None: no valid answer, the node's fallback used)."""
        profile = self.turn.profile(agent)
        if node.model and agent == node.agent:
            profile = profile.model_copy(update={"model": node.model})
        temperature = node.temperature if node.temperature is not None else profile.temperature
        schema = rated_schema(node.output, name)
        messages = [system(profile.system_prompt), user(prompt)]
        found = await ask_structured(self.turn, schema, messages, agent=name, model=self.turn.model_for(profile), temperature=temperature)
        if found is None:
            if node.fallback is None:
                raise WorkflowError(f"node {name} gave no output matching its schema (add a fallback to go on without one)")
            self.turn.emit(Notice(message=f"node {name}: no valid output; using its fallback", level="warning"))
            return node.fallback, None
        data = found.model_dump(mode="json")
        confidence = data.pop("confidence")
        return (data["answer"] if node.output is None else unwrap(node.output, data)), confidence

    async def _tool(self, name: str, node: ToolNode) -> Any:
        arguments = self._render_value(node.args)
        result = await self._call_tool(name, node.tool, arguments)
        compensate = node.compensate or getattr(self.catalog.tools().get(node.tool), "compensate", None)
        self.state.undo.append(Done(name, node.tool, compensate, arguments, result))
        return result

    async def _call_tool(self, label: str, tool: str, arguments: dict[str, Any]) -> Any:
        executor = self._executor()
        call = ToolCallPart(id=f"wf_{uuid.uuid4().hex[:12]}", name=tool, arguments=json.dumps(arguments))
        self.turn.emit(ToolCall(id=call.id, name=tool, arguments=arguments, agent=label))
        [result] = await executor.run([call], self.turn.emit, label)
        if not result.ok:
            raise WorkflowError(f"tool {tool}: {result.output.removeprefix('Error: ')}")
        return _decoded(result.output)

    def _executor(self) -> ToolExecutor:
        registry = ToolRegistry(self.catalog.tools().values())
        base = self.turn.executor
        executor = ToolExecutor(registry, base.approvals, timeout=base.timeout, max_output_chars=base.max_output_chars)
        executor.before_change = base.before_change
        return executor

    async def _mode(self, name: str, node: ModeNode) -> Any:
        child = self._child_turn(name, self._render(node.request), node.model)
        await self.run_mode(node.mode, child)
        self._account(child)
        return child.output

    async def _workflow(self, name: str, node: WorkflowNode) -> Any:
        target = self.catalog.get(node.workflow)
        inputs = {key: as_text(self._render_value(value)) for key, value in node.inputs.items()}
        request = next(iter(inputs.values()), self.request)
        merged = bind_inputs(target, request) if not inputs else {**_defaults(target), **inputs}
        nested = WorkflowRun(target, self.turn, self.catalog, self.run_mode, parent_id=self._node_id(name), stack=self.stack)
        return await nested.run(request, merged)

    async def _python(self, name: str, node: PythonNode) -> Any:
        function = self.catalog.steps().get(node.step)
        if function is None:
            raise WorkflowError(f"node {name}: unknown python step {node.step!r}")
        limit = node.timeout or self.turn.executor.timeout
        try:
            return await asyncio.wait_for(function.run(self._render_value(node.args)), limit)
        except AgentshError:
            raise
        except TimeoutError:
            raise WorkflowError(f"step {node.step} took longer than {limit:g} s: set timeout = N on node {name} to wait longer") from None
        except Exception as error:
            raise WorkflowError(f"step {node.step} raised {type(error).__name__}: {error}") from None

    # compensation ----------------------------------------------------------------------------

    async def _compensate(self) -> None:
        for done in reversed(self.state.undo):
            if done.compensate is None:
                continue
            arguments = self._undo_arguments(done)
            step_id, title = f"{self.id}/undo/{done.node}", f"undo {done.node} with {done.compensate}"
            about = {"undoes": done.node, "workflow": self.workflow.name}
            try:
                result = await self._call_tool(f"undo {done.node}", done.compensate, arguments)
                self._step("compensate", step_id, title, "done", {**about, "result": as_text(result)})
            except (AgentshError, asyncio.CancelledError) as failure:
                self._step("compensate", step_id, title, "failed", {**about, "error": str(failure)})

    def _undo_arguments(self, done: Done) -> dict[str, Any]:
        """The original arguments, the result's fields and the result itself, as far as the compensating tool takes them."""
        offered = {**done.arguments, **(done.result if isinstance(done.result, dict) else {}), "result": done.result}
        tool = self.catalog.tools().get(done.compensate or "")
        accepted = set(tool.parameters.get("properties", {})) if tool is not None else set(offered)
        return {key: value for key, value in offered.items() if key in accepted}

    # values ------------------------------------------------------------------------------------

    def _resolve(self, placeholder: Placeholder) -> Any:
        root = placeholder.root
        if root == REQUEST and len(placeholder.parts) == 1:
            return self.request
        if root == INPUTS:
            return field_of(self.inputs, placeholder.parts[1:], placeholder.text)
        if root not in self.spec.nodes:
            raise WorkflowError(f"unknown placeholder {{{placeholder.text}}}")
        if root in self.state.skipped:
            return None
        value = self.state.outputs[root]
        if len(placeholder.parts) > 1 and isinstance(value, str):
            value = _decoded(value)
        return field_of(value, placeholder.parts[1:], placeholder.text)

    def _field(self, ref: ex.Ref) -> Any:
        return self._resolve(Placeholder(ref.text, ref.parts))

    def _render(self, template: str) -> str:
        return render(template, self._resolve)

    def _render_value(self, value: Any) -> Any:
        return render_value(value, self._resolve)

    def _answer(self) -> Any:
        if self.spec.answer:
            return render_value(self.spec.answer, self._resolve)
        finished = self.state.finished
        return self.state.outputs[finished[-1]] if finished else ""

    # sub-turns and events ----------------------------------------------------------------------

    def _child_turn(self, name: str, request: str, model: str | None) -> Turn:
        parent = self._node_id(name)

        def emit(event: Event) -> None:
            if isinstance(event, TextDelta) and event.agent is None:
                event = event.model_copy(update={"agent": name})
            elif isinstance(event, Step) and event.parent_id is None:
                event = event.model_copy(update={"parent_id": parent})
            self.turn.emit(event)

        client = self.turn.make_model(model) if model and self.turn.make_model else self.turn.model
        history = [self.turn.history[0], user(request)] if self.turn.history else [user(request)]
        return replace(self.turn, history=history, emit=emit, record=lambda message: None, model=client, model_calls=0, cost=0.0, output="")

    def _account(self, child: Turn) -> None:
        self.turn.model_calls += child.model_calls
        self.turn.cost = None if self.turn.cost is None or child.cost is None else self.turn.cost + child.cost

    def _node_id(self, name: str) -> str:
        return f"{self.id}/{name}"

    def _emit_root(self, status: str) -> None:
        data = {"workflow": self.workflow.name, "nodes": list(self.spec.nodes)}
        self.turn.emit(Step(kind="workflow", id=self.id, parent_id=self.parent_id, title=self.workflow.name, status=status, data=data))

    def _emit(self, name: str, node: BaseNode, status: str, **extra: Any) -> None:
        data = {"node": name, "kind": node.kind, "needs": self.graph[name], **extra}  # type: ignore[attr-defined]
        self._step("node", self._node_id(name), name, status, data)

    def _step(self, kind: str, step_id: str, title: str, status: str, data: dict[str, Any]) -> None:
        self.turn.emit(Step(kind=kind, id=step_id, parent_id=self.id, title=title, status=status, data=data))


def rated_schema(output: dict[str, Any] | None, name: str) -> type[BaseModel]:
    """The node's output schema (an `answer` text when it has none) with a `confidence` beside it."""
    base = model_for(output, name) if output is not None else create_model(f"{name}_answer", answer=(str, Field(description="your answer")))
    confidence = (float, Field(ge=0, le=1, description="how sure you are that the answer is right, from 0 to 1"))
    return create_model(f"{base.__name__}Rated", __base__=base, confidence=confidence)


def _decoded(output: str) -> Any:
    """A tool's output as a value when it is JSON, else as its text."""
    try:
        return json.loads(output)
    except ValueError:
        return output


def _validated(name: str, schema: dict[str, Any], value: Any) -> Any:
    """A tool's, step's, mode's or workflow's value checked against the node's output schema."""
    wrapped = value if kind_of(schema) == "object" else {"value": value}
    try:
        found = model_for(schema, name).model_validate(_decoded(wrapped) if isinstance(wrapped, str) else wrapped)
    except ValidationError as error:
        first = error.errors()[0]
        raise WorkflowError(f"node {name}: its output does not match its schema: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return unwrap(schema, found.model_dump(mode="json"))


def _defaults(workflow: Workflow) -> dict[str, str]:
    return {name: spec.default for name, spec in workflow.spec.inputs.items() if spec.default is not None}
