"""The typed event stream: what `Session.send` yields and every consumer reads.

The TUI, the REPL, `agentsh run --json` and the store all consume these same
objects. Each has a `type` discriminator; `event.to_json()` is the `--json` line.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from .messages import Attachment
from .secrets import redact_secrets
from .text import escape_c1_in_json


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=False)


class SessionInfo(_Event):
    """First event of a turn: which session, mode and model are answering."""

    type: Literal["session"] = "session"
    session_id: str
    mode: str
    model: str
    title: str | None = None


class TextDelta(_Event):
    """A piece of streamed answer text. `agent` names the profile in multi-agent modes."""

    type: Literal["text"] = "text"
    delta: str
    agent: str | None = None


class ToolCall(_Event):
    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any] | str
    agent: str | None = None


class ToolResult(_Event):
    type: Literal["tool_result"] = "tool_result"
    id: str
    name: str
    ok: bool
    output: str
    duration_ms: float = 0.0
    agent: str | None = None
    # Images the tool returned for the model (an MCP server's): `output` describes them; they go on the stored tool
    # message, never into the event log or `--json` (base64 is for the model, not for a screen).
    images: list[Attachment] = Field(default_factory=list, exclude=True)


class ToolProgress(_Event):
    """How far a running tool call is (an MCP server's progress notifications): shown in the call's block, not stored."""

    type: Literal["tool_progress"] = "tool_progress"
    id: str
    name: str
    progress: float
    total: float | None = None
    message: str | None = None
    agent: str | None = None

    @property
    def label(self) -> str:
        """What every UI shows: "2/5 · copying files", "40%", "3"."""
        if self.total:
            amount = f"{self.progress:g}/{self.total:g}"
        else:
            amount = f"{self.progress:g}"
        return f"{amount} · {self.message}" if self.message else amount


class Step(_Event):
    """Mode progress: a plan, a task, a route, a critique, a stage, a round; "mode": a mode profile's nested run.

    A nested run's own steps carry its "mode" step's `id` as `parent_id`: with them, the run is a tree.
    """

    type: Literal["step"] = "step"
    kind: str
    id: str | None = None  # pairs a step's updates (running → done) when titles repeat
    # The step this one belongs to: a workflow's node its workflow, a nested mode run's steps its "mode" step
    # (None: the turn's own mode). With it the UIs draw the run as a tree.
    parent_id: str | None = None
    title: str
    status: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ApprovalRequest(_Event):
    """A tool call waiting for the user. The UI resolves `decision` with an `Approval` value."""

    type: Literal["approval"] = "approval"
    id: str
    name: str
    arguments: dict[str, Any] | str
    # What "Always" would allow from now on: "*" the whole tool, a scope such as a command
    # prefix, or None when this call can only be allowed once (e.g. a chained command).
    always_covers: str | None = "*"
    # What the tool's source says about it (an MCP server's annotations): hints from an untrusted party, shown as such.
    hints: list[str] = Field(default_factory=list)
    decision: asyncio.Future | None = Field(default=None, exclude=True)


class ElicitationRequest(_Event):
    """A tool server asks the user to fill in a form (MCP elicitation). The UI resolves `answer` with a
    `forms.FormAnswer`; `requested_schema` is the server's (`forms.form_fields` reads it).
    Every text in it is the server's: shown literally, never trusted."""

    type: Literal["elicitation"] = "elicitation"
    id: str
    server: str
    message: str
    requested_schema: dict[str, Any]
    answer: asyncio.Future | None = Field(default=None, exclude=True)


class SampledMessage(BaseModel):
    role: str
    text: str


class SamplingRequest(_Event):
    """A tool server asks for a completion by the session's model (MCP sampling). The UI resolves `decision`
    with True to let the model answer, False to refuse. The messages and system prompt are the server's."""

    type: Literal["sampling"] = "sampling"
    id: str
    server: str
    messages: list[SampledMessage]
    system_prompt: str | None = None
    max_tokens: int = 0
    model: str = ""  # the model that would answer
    decision: asyncio.Future | None = Field(default=None, exclude=True)


class Usage(_Event):
    """One model call's cost; `finish_reason` says how its answer ended ("length": cut at the token cap)."""

    type: Literal["usage"] = "usage"
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    agent: str | None = None
    cached_tokens: int = 0  # of prompt_tokens, served from the provider's prompt cache
    finish_reason: str | None = None
    reused: bool = False  # a replay's kept answer, given again: nothing was asked of the model


class Notice(_Event):
    """Something the user should see that is not an answer: a retry, a fallback, a reload."""

    type: Literal["notice"] = "notice"
    message: str
    level: Literal["info", "warning"] = "info"


class Waiting(_Event):
    """The model has not begun its answer yet (a local server reading a long prompt, say).

    Sent about once a second until the first byte arrives, for the UIs' status line; not stored.
    """

    type: Literal["waiting"] = "waiting"
    seconds: int  # since the request was sent
    model: str
    agent: str | None = None

    @property
    def label(self) -> str:
        """What every UI shows: "waiting for the model: 35 s"."""
        who = f" ({self.agent})" if self.agent else ""
        return f"waiting for the model{who}: {self.seconds} s"


class RecalledMemory(BaseModel):
    id: int
    text: str
    kind: str = "fact"
    pinned: bool = False


class MemoryRecall(_Event):
    """The long-term memories put in front of the model for this turn (the UIs show them)."""

    type: Literal["memory"] = "memory"
    memories: list[RecalledMemory]


class Compaction(_Event):
    """The oldest turns were summarised to keep the conversation inside the context budget."""

    type: Literal["compaction"] = "compaction"
    messages: int  # how many stored messages the summary now stands for
    tokens_before: int
    tokens_after: int
    summary: str


class Error(_Event):
    type: Literal["error"] = "error"
    message: str
    kind: str = "AgentshError"


class TurnDone(_Event):
    type: Literal["done"] = "done"
    session_id: str
    output: str
    usage: dict[str, int] = Field(default_factory=dict)
    cost: float | None = None
    model_calls: int = 0
    interrupted: bool = False
    step_limited: bool = False
    failed: bool = False
    cut: bool = False  # the answer stopped at the model's token cap (finish_reason "length"): /continue goes on
    budget_limited: bool = False  # a budget was spent: the turn stopped, its partial work kept


Event = Annotated[
    SessionInfo | TextDelta | ToolCall | ToolResult | ToolProgress | Step | ApprovalRequest | ElicitationRequest | SamplingRequest
    | Usage | Notice | Waiting | MemoryRecall | Compaction | Error | TurnDone,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: str | bytes | dict) -> Event:
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)


def json_line(event: _Event) -> str:
    """The event as `agentsh run --json` prints it (and the task service sends it): secrets redacted, DEL and the
    C1 controls escaped, so no terminal that shows the line runs a sequence hidden in it."""
    return escape_c1_in_json(redact_secrets(event.to_json()))
