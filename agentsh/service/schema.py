"""The task service's API as pydantic models: what a client sends and what it gets back. No heavy imports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "input-required", "completed", "failed", "cancelled"]
FINAL: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
ACTIVE: frozenset[str] = frozenset({"queued", "running", "input-required"})
Origin = Literal["api", "run", "background", "a2a"]


class TaskRequest(BaseModel):
    """POST /v1/tasks: one turn to run."""

    prompt: str = Field(min_length=1)
    mode: str | None = None
    model: str | None = None
    session: str | None = Field(None, description="continue this session (an id or a unique prefix)")
    continue_latest: bool = Field(False, description="continue the latest session started in `cwd`")
    schema_: dict[str, Any] | None = Field(None, alias="schema", description="the answer as an instance of this JSON schema")
    yes: bool = Field(False, description="allow every tool call that needs approval, like --yes")
    max_cost: float | None = Field(None, gt=0)
    max_tokens: int | None = Field(None, ge=1)
    cwd: str | None = Field(None, description="the workspace: tools run there (default: the service's folder)")
    mentions_within: int | None = Field(None, ge=0, description="piped text follows the user's words: @words after this attach nothing")
    origin: Origin = "api"

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Usage(BaseModel):
    input: int = 0
    output: int = 0
    cached: int = 0


class PendingApproval(BaseModel):
    """A tool call waiting for an answer (POST /v1/tasks/ID/approvals/APPROVAL_ID)."""

    id: str
    name: str
    arguments: dict[str, Any] | str
    always_covers: str | None
    hints: list[str] = Field(default_factory=list)


class TaskView(BaseModel):
    id: str
    status: Status
    prompt: str
    mode: str | None = None
    model: str | None = None
    session_id: str | None = None
    answer: str | None = None
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    cost: float | None = None
    model_calls: int = 0
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    pending_approvals: list[PendingApproval] = Field(default_factory=list)
    origin: Origin = "api"


class TaskList(BaseModel):
    tasks: list[TaskView]


class ApprovalAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["allow", "deny", "always"]


class Health(BaseModel):
    version: str
    protocol: int
    pid: int
    env: str
    home: str
    running: int
    queued: int


class ErrorBody(BaseModel):
    error: str
