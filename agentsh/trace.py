"""A turn as data: its step tree, rebuilt from the events the store kept.

Nodes are numbered 1, 2, ... in the order they began; that number is what `--from STEP`
names. A step (a plan, a route, a verdict, a workflow node) is one node whatever updates it had;
its `parent_id` places it under another step. A tool call or a model call goes under the
innermost step still running when it happened. A step's tokens, cost and calls are its own and
its children's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .store.sessions import SessionStore
from .store.steps import StoredTurn, stored_turn, turn_events

OPEN_STATUSES = (None, "", "running", "pending", "started")
OUTPUT_CHARS = 200  # of a tool's output, in the trace


@dataclass
class TraceNode:
    number: int
    kind: str  # a step's kind, or "tool", "model", "notice", "error"
    title: str
    id: str | None = None
    parent_id: str | None = None
    status: str | None = None
    agent: str | None = None
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = 0.0
    model_calls: int = 0
    started_ms: float | None = None
    ended_ms: float | None = None
    calls_before: int = 0  # model calls of the turn that ended before this node began: what a replay from it reuses
    reused: bool = False  # a model call a replay answered with the original turn's kept answer
    data: dict[str, Any] = field(default_factory=dict)
    children: list[TraceNode] = field(default_factory=list)

    @property
    def duration_ms(self) -> float | None:
        if self.started_ms is None or self.ended_ms is None:
            return None
        return max(0.0, self.ended_ms - self.started_ms)

    @property
    def kind_name(self) -> str:
        """What the node is, as a trace names it: "model call", "tool", "round"..."""
        return "model call" if self.kind == "model" else self.kind

    def walk(self) -> list[TraceNode]:
        """This node and every node below it, in tree order."""
        return [self, *(node for child in self.children for node in child.walk())]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "kind": self.kind, "title": self.title, "id": self.id, "parent_id": self.parent_id,
            "status": self.status, "agent": self.agent, "model": self.model, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "cost": self.cost, "model_calls": self.model_calls,
            "duration_ms": self.duration_ms, "calls_before": self.calls_before, "reused": self.reused, "data": self.data,
            "children": [child.as_dict() for child in self.children],
        }


@dataclass
class Trace:
    turn: StoredTurn | None
    roots: list[TraceNode]
    nodes: list[TraceNode]  # by number - 1
    output: str = ""
    totals: dict[str, Any] = field(default_factory=dict)

    def node(self, number: int) -> TraceNode | None:
        return self.nodes[number - 1] if 1 <= number <= len(self.nodes) else None

    def as_dict(self) -> dict[str, Any]:
        turn = self.turn
        head = {"session_id": turn.session_id, "turn": turn.number, "mode": turn.mode, "model": turn.model, "status": turn.status} if turn else {}
        return {**head, "totals": self.totals, "output": self.output, "steps": [root.as_dict() for root in self.roots]}


def turn_trace(store: SessionStore, session_id: str, number: int | None = None) -> Trace:
    """The trace of turn `number` (default: the last) of a stored session."""
    turn = stored_turn(store, session_id, number)
    trace = build_trace(turn_events(store, turn.turn_id))
    trace.turn, trace.totals = turn, trace.totals or turn.totals
    return trace


def build_trace(events: list[tuple[str, dict[str, Any]]]) -> Trace:
    builder = _Builder()
    for kind, data in events:
        builder.add(kind, data)
    return builder.finish()


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[TraceNode] = []
        self.roots: list[TraceNode] = []
        self.steps: dict[str, TraceNode] = {}  # by id, else by title
        self.tools: dict[str, TraceNode] = {}
        self.open: list[TraceNode] = []  # running steps, innermost last
        self.calls = 0
        self.last_at: float | None = 0.0  # the turn began: a first model call is timed from there
        self.output = ""
        self.totals: dict[str, Any] = {}

    def add(self, kind: str, data: dict[str, Any]) -> None:
        at = data.get("at") if isinstance(data.get("at"), (int, float)) else None
        handler = getattr(self, f"_{kind}", None)
        if handler is not None:
            handler(data, at)
        if at is not None:
            self.last_at = at

    def _step(self, data: dict[str, Any], at: float | None) -> None:
        key = str(data.get("id") or data.get("title") or "")
        node = self.steps.get(key)
        if node is None:
            node = self._new(str(data.get("kind") or "step"), str(data.get("title") or ""), at, parent=self._parent_step(data))
            node.id, node.parent_id = data.get("id"), data.get("parent_id")
            self.steps[key] = node
        node.title = str(data.get("title") or node.title)
        node.status = data.get("status")
        node.data.update(data.get("data") or {})
        node.ended_ms = at
        self._track_open(node)

    def _parent_step(self, data: dict[str, Any]) -> TraceNode | None:
        parent = data.get("parent_id")
        if parent and str(parent) in self.steps:
            return self.steps[str(parent)]
        return None

    def _track_open(self, node: TraceNode) -> None:
        if node in self.open:
            self.open.remove(node)
        if node.status in OPEN_STATUSES:
            self.open.append(node)

    def _tool_call(self, data: dict[str, Any], at: float | None) -> None:
        node = self._new("tool", str(data.get("name") or ""), at, agent=data.get("agent"))
        node.data["arguments"] = data.get("arguments")
        self.tools[str(data.get("id"))] = node

    def _tool_result(self, data: dict[str, Any], at: float | None) -> None:
        node = self.tools.get(str(data.get("id")))
        if node is None:
            return
        node.status = "done" if data.get("ok") else "failed"
        output = str(data.get("output") or "")
        node.data["output"] = output[:OUTPUT_CHARS] + ("…" if len(output) > OUTPUT_CHARS else "")
        node.ended_ms = at
        if at is None and data.get("duration_ms"):
            node.started_ms, node.ended_ms = 0.0, float(data["duration_ms"])

    def _usage(self, data: dict[str, Any], at: float | None) -> None:
        node = self._new("model", str(data.get("model") or ""), self.last_at, agent=data.get("agent"))
        node.model, node.model_calls, node.status = node.title, 1, data.get("finish_reason")
        node.prompt_tokens, node.completion_tokens = int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0)
        node.cost, node.reused = data.get("cost"), bool(data.get("reused"))
        node.ended_ms = at
        self.calls += 1

    def _notice(self, data: dict[str, Any], at: float | None) -> None:
        node = self._new("notice", str(data.get("message") or ""), at)
        node.status, node.ended_ms = data.get("level"), at

    def _error(self, data: dict[str, Any], at: float | None) -> None:
        node = self._new("error", str(data.get("message") or ""), at)
        node.status, node.ended_ms = "failed", at

    def _done(self, data: dict[str, Any], at: float | None) -> None:
        self.output = str(data.get("output") or "")
        self.totals = {
            "model_calls": data.get("model_calls", 0), "cost": data.get("cost"), "duration_ms": at,
            **{k: v for k, v in (data.get("usage") or {}).items() if k in ("prompt_tokens", "completion_tokens", "total_tokens")},
        }

    def _new(self, kind: str, title: str, at: float | None, parent: TraceNode | None = None, agent: str | None = None) -> TraceNode:
        node = TraceNode(len(self.nodes) + 1, kind, title, agent=agent, started_ms=at, calls_before=self.calls)
        self.nodes.append(node)
        holder = parent or (self.open[-1] if self.open else None)
        (holder.children if holder is not None else self.roots).append(node)
        return node

    def finish(self) -> Trace:
        for root in self.roots:
            _sum_children(root)
        return Trace(None, self.roots, self.nodes, self.output, self.totals)


def _sum_children(node: TraceNode) -> None:
    """A step's figures include its children's; its time spans them."""
    for child in node.children:
        _sum_children(child)
        node.prompt_tokens += child.prompt_tokens
        node.completion_tokens += child.completion_tokens
        node.model_calls += child.model_calls
        node.cost = None if node.cost is None or child.cost is None else node.cost + child.cost
        if child.ended_ms is not None and (node.ended_ms is None or child.ended_ms > node.ended_ms):
            node.ended_ms = child.ended_ms
