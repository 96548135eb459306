"""One turn in progress: what a mode works with, and what it has cost so far."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..config import config_path, config_problem
from ..errors import ConfigError, ContextWindowError, UsageError
from ..events import Event, Notice, Step, TextDelta, Usage, Waiting
from ..messages import Message, system, user, with_unique_call_ids
from ..models.base import ModelClient, ModelRequest, ModelResponse, TokenCount, estimate_tokens, no_response
from ..models.structured_output import FormatMemory, RememberedFormats
from ..profiles import AgentProfile, resolve_profiles
from ..tools.executor import ToolExecutor
from ..tools.registry import ToolRegistry
from ..tools.selection import FIND_TOOLS, offered_schemas
from .budget import TurnBudget

C = TypeVar("C", bound=BaseModel)

SUMMARY_BLOCK = "summary"  # the background key of the compaction summary
CONTINUE_AFTER_SUMMARY = "(The earlier conversation is summarised in the system prompt. Continue from there.)"

Emit = Callable[[Event], None]


@dataclass(frozen=True)
class Offered:
    """What one request carries: the tools' `schemas`, and the names its calls may use (`allowed`, None: any)."""

    schemas: list[dict[str, Any]]
    allowed: list[str] | None


async def no_refresh() -> None:
    """A turn with no plugin files to watch."""


@dataclass
class Turn:
    """Shared by the session and the mode for the length of one user message.

    `history` is the conversation sent to the model (system prompt first, this turn's
    user message last); `add` appends to it and records the message for persistence.
    """

    session_id: str
    model: ModelClient
    registry: ToolRegistry
    executor: ToolExecutor
    history: list[Message]
    emit: Emit
    record: Callable[[Message], None] = lambda message: None
    max_steps: int = 20
    refresh_tools: Callable[[], Awaitable[None]] = no_refresh  # hot reload: awaited before every model call
    profiles: dict[str, AgentProfile] = field(default_factory=lambda: resolve_profiles({}))
    mode_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    make_model: Callable[[str], ModelClient] | None = None
    # Blocks appended to the system prompt of every model call: the summary of compacted turns (it changes only
    # when a compaction has changed the whole conversation after it anyway).
    background: dict[str, str] = field(default_factory=dict)
    # Per-turn material (recalled memories), by id of the user message it came with: appended to that message in
    # what the model sees, so the bytes before it, and the same bytes on every later call, stay identical (prompt caching).
    attachments: dict[int, str] = field(default_factory=dict)
    recalled: str = ""  # this turn's own recall block: a request built apart from the history gets it on its last user message
    compactor: Any = None  # agentsh.memory.compaction.Compactor: shrinks `history` when a request is too long
    formats: FormatMemory = field(default_factory=RememberedFormats)  # the structured-output level each model accepts
    workflows: Any = None  # agentsh.workflows.loader.WorkflowCatalog: the workflow files a `workflow:NAME` mode runs
    remote_agents: Any = None  # agentsh.remote_agents.RemoteAgents: the session's remote A2A agents (their cards, fetched once)
    answer_schema: dict[str, Any] | None = None  # `agentsh run --schema`: the answer becomes an instance of it (modes/answer_schema.py)
    # Messages a compaction summarised, by id (holding them keeps the ids unique): stripped from every
    # later request, including those a mode builds from its own copy of the conversation.
    _compacted_away: dict[int, Message] = field(default_factory=dict)
    # Copies of history messages a mode renders its own way (react's text protocol), by id, each with the
    # history message it stands for: compaction shortens requests made of them, and drops a copy with its original.
    _mirrors: dict[int, tuple[Message, Message]] = field(default_factory=dict)
    _models: dict[str, ModelClient] = field(default_factory=dict)
    _call_ids: set[str] = field(default_factory=set)  # every tool-call id of this conversation so far
    usage: TokenCount = field(default_factory=TokenCount)
    cost: float | None = 0.0
    model_calls: int = 0
    output: str = ""
    step_limited: bool = False
    cut: bool = False  # the answer (the last assistant message added) stopped at the model's token cap
    # Composition: a mode profile runs its mode on a nested Turn (`nested`), `depth` levels below the turn's own
    # mode, at most `max_depth`; `run_mode(name, turn)` runs a mode by name (the session gives the registry's).
    budget: TurnBudget = field(default_factory=TurnBudget)  # shared by every nested Turn of this turn
    depth: int = 0
    max_depth: int = 3
    parent_step: str | None = None  # the id of the "mode" Step this nested run reports under
    run_mode: Callable[[str, Turn], Awaitable[None]] | None = None
    progress: str = ""  # the mode's best answer so far, kept as the partial answer when a budget stops the turn
    finished_agents: list[tuple[str, str]] = field(default_factory=list)  # (label, answer) of each sub-agent run done

    @property
    def user_text(self) -> str:
        return next((m.content for m in reversed(self.history) if m.role == "user"), "")

    def add(self, message: Message) -> None:
        self.history.append(message)
        self.record(message)
        if message.role == "assistant":
            self.cut = message.cut

    def profile(self, name: str) -> AgentProfile:
        try:
            return self.profiles[name]
        except KeyError:
            raise UsageError(f"unknown agent profile {name!r}; known: {', '.join(self.profiles)}") from None

    def model_for(self, profile: AgentProfile) -> ModelClient:
        """The profile's own model when it names one, else the session's."""
        if not profile.model or self.make_model is None or profile.model == self.model.name:
            return self.model
        if profile.model not in self._models:
            self._models[profile.model] = self.make_model(profile.model)
        return self._models[profile.model]

    def offered_tools(self, messages: list[Message], executor: ToolExecutor | None = None, allowed: list[str] | None = None) -> Offered:
        """The tool schemas a request with `messages` carries: all of them, or when there are more than the cap,
        the most relevant and `find_tools` (the first time, the user is told)."""
        executor = executor or self.executor
        offer = executor.offer(messages, allowed)
        if (notice := executor.selection.notice(offer)) is not None:
            self.emit(Notice(message=notice))
        calls = allowed if allowed is None or not offer.searching else [*allowed, FIND_TOOLS]
        return Offered(offered_schemas(executor.registry, offer), calls)

    def mirror(self, copy: Message, original: Message) -> Message:
        """`copy` stands for `original` (a history message) in this turn's requests; returns `copy`."""
        self._mirrors[id(copy)] = (copy, original)
        return copy

    def _original(self, message: Message) -> Message:
        entry = self._mirrors.get(id(message))
        return message if entry is None else entry[1]

    def mode_config(self, mode: str, schema: type[C]) -> C:
        """This mode's `[modes.NAME]` settings, validated (defaults when absent)."""
        try:
            return schema.model_validate(self.mode_settings.get(mode, {}))
        except ValidationError as error:
            raise ConfigError(f"{config_path()}: {config_problem(error, schema, ('modes', mode))}") from None

    async def call_model(
        self, request: ModelRequest, agent: str | None = None, stream_text: bool = True,
        model: ModelClient | None = None, fit: bool = True,
    ) -> ModelResponse:
        """One model call: streams text as events, accounts usage and cost.

        With `fit` (every call of a user's turn), the background blocks join the system prompt,
        a request over the context budget compacts the history first, and a provider's
        context-window error lowers the budget below the refused size, compacts harder and retries once.
        """
        if not fit:
            return await self._call(request, agent, stream_text, model)
        fitted = await self._fit(request)
        try:
            return await self._call(fitted, agent, stream_text, model)
        except ContextWindowError:
            if self.compactor is None:
                raise
            self.compactor.note_refusal(estimate_tokens(fitted.messages, [*fitted.tools, *fitted.text_tools]))
            smaller = await self._compacted(request, keep_tokens=1)
            if smaller is None:
                raise
            return await self._call(smaller, agent, stream_text, model)

    async def _call(self, request: ModelRequest, agent: str | None, stream_text: bool, model: ModelClient | None) -> ModelResponse:
        client = model or self.model
        if (warning := self.budget.check()) is not None:
            self.emit(Notice(message=warning, level="warning"))
        self.budget.under_way += 1
        try:
            async for item in client.stream(request):
                if isinstance(item, ModelResponse):
                    self._account(item, agent)
                    return replace(item, message=self._marked(self._unique_call_ids(item.message, request), item, agent))
                if stream_text or not isinstance(item, TextDelta):
                    self.emit(item.model_copy(update={"agent": agent}) if isinstance(item, (TextDelta, Waiting)) and agent else item)
        finally:
            self.budget.under_way -= 1
        raise no_response(client)

    def _marked(self, answer: Message, response: ModelResponse, agent: str | None) -> Message:
        """The answer flagged `cut` when the model stopped at its token cap; a sub-agent's cut answer is noticed."""
        if response.finish_reason != "length":
            return answer
        if agent is not None:
            self.emit(Notice(message=f"{agent}: the answer stopped at the model's token cap (finish_reason \"length\"); it may be incomplete", level="warning"))
        return answer.model_copy(update={"cut": True})

    def _unique_call_ids(self, answer: Message, request: ModelRequest) -> Message:
        """The model's answer with tool-call ids no earlier message uses (models repeat them: `call_0` every time)."""
        if not answer.tool_calls:
            return answer
        for message in (*self.history, *request.messages):
            self._call_ids.update(call.id for call in message.tool_calls)
        return with_unique_call_ids(answer, self._call_ids)

    def _with_background(self, request: ModelRequest) -> ModelRequest:
        """The request as the model must see it: without compacted messages, with the background blocks."""
        messages = self._attached([m for m in request.messages if id(self._original(m)) not in self._compacted_away])
        if not self.background:
            return replace(request, messages=messages)
        block = "\n\n".join(self.background.values())
        head, rest = (messages[0], messages[1:]) if messages and messages[0].role == "system" else (None, messages)
        if rest and rest[0].role != "user" and SUMMARY_BLOCK in self.background:
            rest = [user(CONTINUE_AFTER_SUMMARY), *rest]  # providers want a user message first
        if head is None:
            return replace(request, messages=[system(block), *rest])
        if head.content.endswith(block):
            return replace(request, messages=[head, *rest])
        return replace(request, messages=[system(f"{head.content}\n\n{block}"), *rest])

    def _attached(self, messages: list[Message]) -> list[Message]:
        """`messages` with each one's attachment appended to its text (a copy: the history itself is left as it is)."""
        found = [i for i, m in enumerate(messages) if id(m) in self.attachments]
        if not found and self.recalled:
            found = [i for i, m in enumerate(messages) if m.role == "user"][-1:]
        attached = list(messages)
        for index in found:
            message = messages[index]
            block = self.attachments.get(id(message), self.recalled)
            attached[index] = message.model_copy(update={"content": f"{message.content}\n\n{block}"})
        return attached

    async def _fit(self, request: ModelRequest) -> ModelRequest:
        prepared = self._with_background(request)
        if self.compactor is None or not self.compactor.too_long(prepared.messages, prepared.tools):
            return prepared
        return await self._compacted(request) or prepared

    async def _compacted(self, request: ModelRequest, keep_tokens: int | None = None) -> ModelRequest | None:
        """The request after compacting the history; None when compaction could not shorten it."""
        before = self.history[1:]
        ids = {id(m) for m in before}
        if not any(id(self._original(m)) in ids for m in request.messages):
            return None  # built apart from the history (a sub-agent's task): compaction cannot shorten it
        reserved = estimate_tokens([], [*request.tools, *request.text_tools])
        if await self.compactor.compact(self, keep_tokens, reserved=reserved) is None:
            return None
        kept = {id(m) for m in self.history}
        self._compacted_away.update({id(m): m for m in before if id(m) not in kept})
        return self._with_background(request)

    def _account(self, response: ModelResponse, agent: str | None) -> None:
        if (warning := self.budget.spend(response.usage.total_tokens, response.cost)) is not None:
            self.emit(Notice(message=warning, level="warning"))
        self.model_calls += 1
        self.usage.add(response.usage)
        self.cost = None if self.cost is None or response.cost is None else self.cost + response.cost
        self.emit(
            Usage(
                model=response.model,
                prompt_tokens=response.usage.prompt_tokens,
                completion_tokens=response.usage.completion_tokens,
                cost=response.cost,
                agent=agent,
                cached_tokens=response.usage.cached_tokens,
                finish_reason=response.finish_reason,
                reused=response.reused,
            )
        )

    # composition ----------------------------------------------------------------------------

    def nested(self, history: list[Message], mode: str, settings: dict[str, Any], step_id: str, label: str | None) -> Turn:
        """A Turn for a mode run inside this one: its own conversation and counts, this turn's tools, models and budget.

        Its steps report under `step_id`; with a `label`, its answer is a sub-agent's (events labelled), not the turn's.
        """
        return replace(
            self, history=history, emit=_nested_emit(self.emit, step_id, label), record=lambda message: None,
            mode_settings={**self.mode_settings, mode: settings}, depth=self.depth + 1, parent_step=step_id,
            usage=TokenCount(), cost=0.0, model_calls=0, output="", step_limited=False, cut=False, progress="", finished_agents=[],
            compactor=None, recalled="", attachments={}, _compacted_away={}, _mirrors={}, _call_ids=set(self._call_ids),
        )

    def partial_work(self) -> str:
        """What to keep when a budget stops the turn: the mode's best answer so far, else its agents' finished answers."""
        if self.progress or not self.finished_agents:
            return self.progress
        answers = "\n\n".join(f"[{label}]\n{answer}" for label, answer in self.finished_agents)
        return f"(Stopped before an answer. What the agents had finished:)\n\n{answers}"

    def absorb(self, child: Turn) -> None:
        """A nested run's usage counts as this turn's (its Usage events were already emitted)."""
        self.model_calls += child.model_calls
        self.usage.add(child.usage)
        self.cost = None if self.cost is None or child.cost is None else self.cost + child.cost


def _nested_emit(emit: Emit, step_id: str, label: str | None) -> Emit:
    def nested(event: Event) -> None:
        if isinstance(event, Step) and event.parent_id is None:
            event = event.model_copy(update={"parent_id": step_id})
        elif label is not None and getattr(event, "agent", "") is None:
            event = event.model_copy(update={"agent": label})
        emit(event)

    return nested
