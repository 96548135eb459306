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

The answer is the payload of the last unhandled event (with the defaults: the writer's
draft). When the guard stopped the run, it is the payload of the last unhandled event, or
of the last published one when none went unhandled, followed by a note that the run was
stopped.
Steps: kind "event", status "published", "delivered", "unhandled" or "stopped".
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from ..agent.subagent import gather_or_cancel, prior_conversation, run_agent
from ..agent.turn import Turn
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


@dataclass
class BusEvent:
    id: int
    type: str
    payload: str
    source: str


class EventsMode:
    name = "events"
    settings_schema = EventsConfig  # its [modes.events] table
    summary = "choreography: agents subscribe to event types and publish their answers as new events"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, EventsConfig)
        for subscription in config.subscriptions:
            turn.profile(subscription.agent)  # an unknown profile fails before any call
        answer = await _Bus(turn, config).run()
        turn.emit(TextDelta(delta=answer))
        turn.add(Message(role="assistant", content=answer))
        turn.output = answer


class _Bus:
    def __init__(self, turn: Turn, config: EventsConfig) -> None:
        self.turn, self.config = turn, config
        self.pending: deque[BusEvent] = deque()
        self.published: list[BusEvent] = []
        self.unhandled: list[BusEvent] = []
        self.request, self.context = turn.user_text, prior_conversation(turn)

    async def run(self) -> str:
        self._publish(USER_MESSAGE, self.request, "user")
        while self.pending:
            event = self.pending.popleft()
            subscribers = [s for s in self.config.subscriptions if s.on == event.type]
            if not subscribers:
                self.unhandled.append(event)
                self._step(event, "unhandled", f"{event.type} #{event.id}: no subscriber", payload=event.payload)
                continue
            budget = self.config.max_events - len(self.published)
            answers = await gather_or_cancel([self._deliver(event, s) for s in subscribers[:budget]])
            for subscription, answer in zip(subscribers, answers, strict=False):
                self._publish(subscription.emits, answer, subscription.agent)
            if len(subscribers) > budget:
                self.pending.appendleft(event)  # not fully delivered: it counts as dropped
                return self._stopped()
        return self.unhandled[-1].payload

    async def _deliver(self, event: BusEvent, subscription: Subscription) -> str:
        self._step(event, "delivered", f"{event.type} #{event.id} → {subscription.agent}", agent=subscription.agent)
        run = await run_agent(self.turn, subscription.agent, self._task(event), context=self.context)
        return run.answer

    def _task(self, event: BusEvent) -> str:
        if event.id == 1:  # the user's message itself
            return event.payload
        return f"The user's request:\n{self.request}\n\nEvent '{event.type}' from {event.source}:\n\n{event.payload}"

    def _publish(self, kind: str, payload: str, source: str) -> None:
        event = BusEvent(id=len(self.published) + 1, type=kind, payload=payload, source=source)
        self.published.append(event)
        self.pending.append(event)
        self._step(event, "published", f"{kind} #{event.id} from {source}", payload=payload)

    def _stopped(self) -> str:
        dropped = [f"{e.type} #{e.id}" for e in self.pending]
        message = f"stopped after {len(self.published)} events (max_events = {self.config.max_events}); dropped: {', '.join(dropped)}"
        self.turn.emit(Notice(message=f"events: {message}", level="warning"))
        data = {"dropped": dropped, "max_events": self.config.max_events}
        self.turn.emit(Step(kind="event", title=message, status="stopped", data=data))
        last = self.unhandled[-1] if self.unhandled else self.published[-1]
        return f"{last.payload}\n\n---\nNote: the event chain was {message}."

    def _step(self, event: BusEvent, status: str, title: str, **extra) -> None:
        data = {"id": event.id, "type": event.type, "source": event.source, **extra}
        self.turn.emit(Step(kind="event", title=title, status=status, data=data))
