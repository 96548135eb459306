"""`events`: choreography without a controller — agents react to events and publish new ones.

Each subscription says: agent `agent` handles events of type `on` and publishes its answer
as an event of type `emits`. The user's message is the first event (type "user_message").
Events are handled in the order they were published: each is delivered to every
subscriber of its type (concurrently; `run_agent` with the payload as the task — for
events after the first, the task also quotes the user's request, so agents down the chain
know what it is for), and each answer is published. An event no one subscribes to is
recorded as unhandled.

It runs until no event is pending. `max_events` (all published events, the user's message
included) stops a chain that does not end; what was still pending is dropped, and a
notice and a Step (status "stopped") say so.

A subscriber that fails (its stream broke, its answer was empty twice) publishes nothing,
with a notice and a Step (status "failed"); the run goes on with the other subscribers'
answers as long as at least `min_subscribers` of the event's subscribers answered (default
1, or all of them when fewer subscribe); below that the turn fails with a QuorumError
naming who failed and why.

The answer is the payload of the last unhandled event (with the defaults: the writer's
draft). When the guard stopped the run, it is the payload of the last unhandled event, or
of the last published one when none went unhandled, followed by a note that the run was
stopped.
Steps: kind "event", status "published", "delivered", "failed", "unhandled" or "stopped".
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..agent.subagent import AgentRun, gather_settled, prior_conversation, run_agent
from ..agent.turn import Turn
from ..errors import AgentshError, QuorumError
from ..events import Notice, Step, TextDelta
from ..messages import Message

USER_MESSAGE = "user_message"


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str
    on: str
    emits: str


def _default_subscriptions() -> list[Subscription]:
    return [
        Subscription(agent="researcher", on=USER_MESSAGE, emits="notes"),
        Subscription(agent="writer", on="notes", emits="draft"),
    ]


class EventsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriptions: list[Subscription] = Field(default_factory=_default_subscriptions)
    max_events: int = Field(20, ge=1, le=1000)
    min_subscribers: int = Field(1, ge=1)  # the quorum: an event fewer of whose subscribers answer fails the turn

    @model_validator(mode="after")
    def _quorum_reachable(self) -> EventsConfig:
        most = max(Counter(s.on for s in self.subscriptions).values(), default=0)
        if "min_subscribers" in self.model_fields_set and self.min_subscribers > most:
            raise ValueError(f"min_subscribers ({self.min_subscribers}) is more than any event type's {most} subscriber(s)")
        return self


@dataclass
class BusEvent:
    id: int
    type: str
    payload: str
    source: str
    cut: bool = False  # the answer it carries stopped at the model's token cap


class EventsMode:
    name = "events"
    settings_schema = EventsConfig  # its [modes.events] table
    summary = "choreography: agents subscribe to event types and publish their answers as new events"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, EventsConfig)
        for subscription in config.subscriptions:
            turn.profile(subscription.agent)  # an unknown profile fails before any call
        answer = await _Bus(turn, config).run()
        turn.emit(TextDelta(delta=answer.content))
        turn.add(answer)
        turn.output = answer.content


class _Bus:
    def __init__(self, turn: Turn, config: EventsConfig) -> None:
        self.turn, self.config = turn, config
        self.pending: deque[BusEvent] = deque()
        self.published: list[BusEvent] = []
        self.unhandled: list[BusEvent] = []
        self.request, self.context = turn.user_text, prior_conversation(turn)

    async def run(self) -> Message:
        self._publish(USER_MESSAGE, self.request, "user")
        while self.pending:
            event = self.pending.popleft()
            subscribers = [s for s in self.config.subscriptions if s.on == event.type]
            if not subscribers:
                self.unhandled.append(event)
                self._step(event, "unhandled", f"{event.type} #{event.id}: no subscriber", payload=event.payload)
                continue
            budget = self.config.max_events - len(self.published)
            delivered = subscribers[:budget]
            results = await gather_settled([self._deliver(event, s) for s in delivered])
            self._check_quorum(event, delivered, results)
            for subscription, result in zip(delivered, results, strict=True):
                if isinstance(result, AgentRun):
                    self._publish(subscription.emits, result.answer, subscription.agent, result.cut)
            if len(subscribers) > budget:
                self.pending.appendleft(event)  # not fully delivered: it counts as dropped
                return self._stopped()
        last = self.unhandled[-1]
        return Message(role="assistant", content=last.payload, cut=last.cut)

    async def _deliver(self, event: BusEvent, subscription: Subscription) -> AgentRun:
        self._step(event, "delivered", f"{event.type} #{event.id} → {subscription.agent}", agent=subscription.agent)
        return await run_agent(self.turn, subscription.agent, self._task(event), context=self.context)

    def _check_quorum(self, event: BusEvent, delivered: list[Subscription], results: list) -> None:
        """Failed subscribers are shown; too few answers for the quorum fail the turn."""
        failed = {s.agent: str(r) for s, r in zip(delivered, results, strict=True) if isinstance(r, AgentshError)}
        if not failed:
            return
        for agent, error in failed.items():
            self._step(event, "failed", f"{event.type} #{event.id} → {agent} failed", agent=agent, error=error)
        reasons = "; ".join(f"{agent} failed: {error}" for agent, error in failed.items())
        answered, quorum = len(delivered) - len(failed), min(self.config.min_subscribers, len(delivered))
        if answered < quorum:
            raise QuorumError(
                f"events: {answered} of {len(delivered)} subscribers of {event.type} #{event.id} answered, "
                f"fewer than min_subscribers = {quorum}: {reasons}"
            )
        self.turn.emit(Notice(message=f"events: {reasons}; going on with the other subscribers of {event.type} #{event.id}", level="warning"))

    def _task(self, event: BusEvent) -> str:
        if event.id == 1:  # the user's message itself
            return event.payload
        return f"The user's request:\n{self.request}\n\nEvent '{event.type}' from {event.source}:\n\n{event.payload}"

    def _publish(self, kind: str, payload: str, source: str, cut: bool = False) -> None:
        event = BusEvent(id=len(self.published) + 1, type=kind, payload=payload, source=source, cut=cut)
        self.published.append(event)
        self.pending.append(event)
        self._step(event, "published", f"{kind} #{event.id} from {source}", payload=payload)

    def _stopped(self) -> Message:
        dropped = [f"{e.type} #{e.id}" for e in self.pending]
        message = f"stopped after {len(self.published)} events (max_events = {self.config.max_events}); dropped: {', '.join(dropped)}"
        self.turn.emit(Notice(message=f"events: {message}", level="warning"))
        data = {"dropped": dropped, "max_events": self.config.max_events}
        self.turn.emit(Step(kind="event", title=message, status="stopped", data=data))
        last = self.unhandled[-1] if self.unhandled else self.published[-1]
        return Message(role="assistant", content=f"{last.payload}\n\n---\nNote: the event chain was {message}.", cut=last.cut)

    def _step(self, event: BusEvent, status: str, title: str, **extra) -> None:
        data = {"id": event.id, "type": event.type, "source": event.source, **extra}
        self.turn.emit(Step(kind="event", title=title, status=status, data=data))
