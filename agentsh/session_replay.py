"""Replaying a turn from one of its steps: the model answers before that step are given again, not paid again.

Every model call of a turn is kept in the store by the hash of its request (store/model_calls.py),
in the order the calls ended. `prepare_replay` picks, from the turn's trace, the step to replay from
and the answers the turn got before it; the next turn this session runs reuses each of them when it
asks the same question again (same model, messages, tools and settings) and calls the model for the
rest. `Session` inherits this; `/retry --from STEP` and `agentsh sessions replay` use it. It also
gives each past turn's steps and spend (`past_steps`), which a resumed transcript draws as they were.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .costs import TurnCost
from .errors import AgentshError, StoreError
from .events import Step, Usage
from .models.base import ModelClient, ModelResponse
from .models.cache import CachingModel, response_record, reused_response
from .store.db import write_transaction
from .store.model_calls import keep_calls, kept_before
from .store.steps import stored_turn, user_turn_records
from .trace import Trace, TraceNode, turn_trace

if TYPE_CHECKING:
    from .store.records import SessionRecord
    from .store.sessions import SessionStore


@dataclass(frozen=True)
class PastTurn:
    """What a past turn showed besides its messages: its mode steps, and its model calls for the answer's footer."""

    steps: tuple[Step, ...] = ()
    cost: TurnCost = field(default_factory=TurnCost)

    @classmethod
    def of(cls, records: list[dict[str, Any]]) -> PastTurn:
        """From the turn's stored "step" and "usage" events, in the order they happened."""
        cost = TurnCost()
        steps = []
        for data in records:
            event = Step.model_validate(data) if data.get("type") == "step" else Usage.model_validate(data)
            cost.add(event)
            if isinstance(event, Step):
                steps.append(event)
        return cls(tuple(steps), cost)


@dataclass
class ReplayPlan:
    """What the next turn may reuse: kept answers by request hash, and where the replay starts."""

    kept: dict[str, list[dict[str, Any]]]
    step: TraceNode
    turn_number: int
    reuse_random: bool = False
    renamed: dict[str, str] = field(default_factory=dict)  # the replay's model -> the original turn's, when they differ
    reused: int = 0

    @property
    def available(self) -> int:
        return sum(len(answers) for answers in self.kept.values())

    def take(self, key: str) -> ModelResponse | None:
        answers = self.kept.get(key)
        if not answers:
            return None
        self.reused += 1
        return reused_response(answers.pop(0))


@dataclass
class TurnCalls:
    """One turn's model calls: each answer kept as it comes, kept answers given back during a replay."""

    store: SessionStore
    session_id: str
    turn_id: int
    plan: ReplayPlan | None = None
    count: int = 0
    clients: dict[int, ModelClient] = field(default_factory=dict)
    pending: list[tuple[str, str, int, int, dict[str, Any]]] = field(default_factory=list)  # answers not yet written

    def wrap(self, model: ModelClient) -> ModelClient:
        if id(model) not in self.clients:
            reuse_random = self.plan.reuse_random if self.plan else False
            reuse_as = self.plan.renamed.get(model.name) if self.plan else None
            self.clients[id(model)] = CachingModel(model, self.keep, self.reuse, reuse_random, reuse_as)
        return self.clients[id(model)]

    def keep(self, key: str, response: ModelResponse) -> None:
        index, self.count = self.count, self.count + 1
        self.pending.append((key, self.session_id, self.turn_id, index, response_record(response)))
        with contextlib.suppress(StoreError):  # a replay cache, not history: a busy database is tried again next call
            keep_calls(self.store, self.pending)
            self.pending = []

    def reuse(self, key: str) -> ModelResponse | None:
        return self.plan.take(key) if self.plan else None

    def notice(self) -> str | None:
        if self.plan is None:
            return None
        step, available = self.plan.step, self.plan.available
        return (
            f"replaying turn {self.plan.turn_number} from step {step.number} ({step.kind_name}: {step.title[:40]}): "
            f"{available} earlier model answer{'' if available == 1 else 's'} can be reused"
        )


class SessionReplay:
    store: SessionStore
    _replay: ReplayPlan | None = None

    @property
    def id(self) -> str:
        raise NotImplementedError

    @property
    def persisted(self) -> bool:
        raise NotImplementedError

    def prepare_replay(
        self, step: str, turn_number: int | None = None, reuse_random: bool = False, source: str | None = None, model: str | None = None,
    ) -> ReplayPlan:
        """Make the next turn reuse the answers turn `turn_number` (default: the last) of this session (or of
        session `source`, which this one forks) got before `step`; `model`: the model asked from `step` on,
        when it is not the turn's own (the answers before it are still the original model's)."""
        trace = turn_trace(self.store, source or self.id, turn_number)
        node = find_step(trace, step)
        assert trace.turn is not None
        renamed = {model: trace.turn.model} if model and model != trace.turn.model else {}
        kept = kept_before(self.store, trace.turn.turn_id, node.calls_before, since=trace.turn.started_at)
        plan = ReplayPlan(kept, node, trace.turn.number, reuse_random, renamed)
        self._replay = plan
        return plan

    def past_steps(self) -> list[PastTurn]:
        """Each turn's mode steps (plans, routes, verdicts) and model calls, one per user message of the
        conversation, for a resumed transcript to show them as they were."""
        if not self.persisted:
            return []
        return [PastTurn.of(records) for records in user_turn_records(self.store, self.id)]

    def cancel_replay(self) -> None:
        self._replay = None

    def _turn_calls(self, turn_id: int) -> TurnCalls:
        """The model calls of the turn starting now; a prepared replay is used up by it."""
        plan, self._replay = self._replay, None
        return TurnCalls(self.store, self.id, turn_id, plan)


def replay_fork(store: SessionStore, session_id: str, turn_number: int | None, why: str) -> tuple[SessionRecord, str]:
    """A fork of the session holding what was said before turn `turn_number` (default: the last), titled `why`;
    and the text of that turn's message, to send again in it."""
    turn = stored_turn(store, session_id, turn_number)
    found = store.db.execute(
        "SELECT seq, content FROM messages WHERE session_id = ? AND turn_id = ? AND role = 'user' ORDER BY seq LIMIT 1", [session_id, turn.turn_id]
    ).fetchone()
    if found is None:
        raise AgentshError(f"turn {turn.number} of session {session_id} has no message to send again")
    before = store.db.execute("SELECT count(*) FROM messages WHERE session_id = ? AND seq < ?", [session_id, found[0]]).fetchone()[0]
    fork = store.fork(session_id, at=before)
    title = f"{store.get(session_id).title or 'untitled'} ({why})"
    with write_transaction(store.db):
        store.db.execute("UPDATE sessions SET title = ? WHERE id = ?", [title, fork.id])
    return store.get(fork.id), found[1] or ""


def find_step(trace: Trace, step: str) -> TraceNode:
    """The node `step` names: its number in the trace, or a step's id."""
    wanted = step.strip()
    node = trace.node(int(wanted)) if wanted.isdigit() else next((n for n in trace.nodes if n.id == wanted), None)
    if node is None:
        count = len(trace.nodes)
        raise AgentshError(f"there is no step {wanted!r} in that turn: its steps are numbered 1 to {count} (agentsh sessions trace shows them)")
    return node
