"""The schema of a workflow file (TOML), as pydantic models.

    description = "Research a goal and write a reviewed report"
    answer = "{draft}"                      # optional: the turn's answer (default: the last node that ran)

    [inputs.goal]                           # the user's message fills the first input
    description = "what to research"

    [nodes.search]
    kind = "agent"                          # agent | tool | mode | workflow | python
    agent = "researcher"
    prompt = "Find what is known about {inputs.goal}"
    output = { type = "object", properties = { facts = { type = "array", items = { type = "string" } } } }

Every node may declare `needs`, `when`, `output`, `fallback`, `model`, `temperature` and `retries`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..profiles import Escalate, ModelName
from .positions import Positions

MAX_RETRIES = 5
DEFAULT_CONCURRENCY = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Input(_Strict):
    description: str = ""
    default: str | None = None


class BaseNode(_Strict):
    needs: list[str] = Field(default_factory=list)
    when: str | None = None
    output: dict[str, Any] | None = None  # a JSON schema: the node's answer is validated against it
    fallback: dict[str, Any] | None = None  # the output used when no valid one came after the retries
    model: ModelName = None  # a list: fallback models, tried in order
    temperature: float | None = Field(default=None, ge=0, le=2)
    retries: int = Field(default=0, ge=0, le=MAX_RETRIES)
    description: str = ""

    def templates(self) -> dict[tuple[str, ...], str]:
        """Every templated text of the node, by its key path in the file."""
        return {}


class AgentNode(BaseNode):
    kind: Literal["agent"]
    agent: str = "assistant"
    prompt: str
    escalate: Escalate | None = None  # the node answers with a confidence; below `below`, the profile `to` answers instead

    def templates(self) -> dict[tuple[str, ...], str]:
        return {("prompt",): self.prompt}


class ToolNode(BaseNode):
    kind: Literal["tool"]
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    compensate: str | None = None  # the tool that undoes this one (default: the tool's own declared one)

    def templates(self) -> dict[tuple[str, ...], str]:
        return _string_leaves(self.args, ("args",))


class ModeNode(BaseNode):
    kind: Literal["mode"]
    mode: str
    request: str

    def templates(self) -> dict[tuple[str, ...], str]:
        return {("request",): self.request}


class WorkflowNode(BaseNode):
    kind: Literal["workflow"]
    workflow: str
    inputs: dict[str, str] = Field(default_factory=dict)

    def templates(self) -> dict[tuple[str, ...], str]:
        return {("inputs", name): value for name, value in self.inputs.items()}


class PythonNode(BaseNode):
    kind: Literal["python"]
    step: str
    args: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(default=None, gt=0)  # seconds; the session's tool_timeout when not given

    def templates(self) -> dict[tuple[str, ...], str]:
        return _string_leaves(self.args, ("args",))


Node = Annotated[AgentNode | ToolNode | ModeNode | WorkflowNode | PythonNode, Field(discriminator="kind")]


class WorkflowSpec(_Strict):
    description: str = ""
    inputs: dict[str, Input] = Field(default_factory=dict)
    nodes: dict[str, Node] = Field(min_length=1)
    answer: str | None = None
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, ge=1, le=32)


class Workflow:
    """A workflow file as loaded: its spec, where it came from, and where each key is written."""

    def __init__(self, name: str, path: Path, spec: WorkflowSpec, positions: Positions) -> None:
        self.name, self.path, self.spec, self.positions = name, path, spec, positions


def _string_leaves(value: Any, path: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    if isinstance(value, str):
        return {path: value}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _string_leaves(item, (*path, key)).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _string_leaves(item, (*path, str(i))).items()}
    return {}
