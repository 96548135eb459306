"""`router`: one classification call picks exactly one agent profile, which then answers.

The classification is structured output whose `route` must be one of the configured
routes; an invalid label is sent back with the list of valid ones (at most twice), and
after that the configured `default` route answers (the documented fallback). The classifier
is the `router` profile (`[agents.router]`: its model, temperature and system prompt, to
which the list of agents and the answer's format are added), so it can run on a cheaper model.

The route carries a `confidence` (0–1). With `escalate = { below = 0.6, to = "strong" }`, a route
less confident than 0.6 is answered by the profile `strong` instead (a Step "escalate" says why).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..agent.answers import answer_call
from ..agent.escalation import escalates, report_escalation
from ..agent.loop import run_tool_loop
from ..agent.nesting import run_nested
from ..agent.structured import ask_structured
from ..agent.turn import Turn
from ..events import Step
from ..messages import Message, system, user
from ..models.base import ModelRequest
from ..models.choices import one_of
from ..profiles import Escalate


class RouterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[str] = Field(default_factory=lambda: ["coder", "researcher", "writer"], min_length=1)
    default: str = "writer"
    escalate: Escalate | None = None  # a route less confident than `below` is answered by the profile `to`


CLASSIFIER = "router"  # the profile that picks the route
ROUTES_PROMPT = """The agents:
{agents}

Reply with only a JSON object: {{"reason": "<one short sentence>", "route": "<one of: {names}>", "confidence": <0 to 1: how sure you are of the route>}}."""


class RouterMode:
    name = "router"
    settings_schema = RouterConfig  # its [modes.router] table
    summary = "one classification call picks the best agent (coder, researcher, writer, ...), which answers"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config("router", RouterConfig)
        routes = list(dict.fromkeys(config.routes))
        for name in [*routes, config.default, *([config.escalate.to] if config.escalate else [])]:
            turn.profile(name)  # an unknown profile is a clear error before any model call
        route, reason, fallback, confidence = await self._classify(turn, routes, config.default)
        data = {"reason": reason, "fallback": fallback, "confidence": confidence}
        turn.emit(Step(kind="route", title=route, status="done", data=data))
        if config.escalate is not None and confidence is not None and escalates(config.escalate, confidence):
            report_escalation(turn, f"route {route}", config.escalate, confidence)
            route = config.escalate.to
        answer = await answer_as(turn, route, turn.history[1:])
        turn.add(Message(role="assistant", content=answer.content, step_limited=answer.step_limited, cut=answer.cut))
        turn.output = answer.content

    async def _classify(self, turn: Turn, routes: list[str], default: str) -> tuple[str, str, bool, float | None]:
        schema = route_schema(routes)
        classifier = turn.profile(CLASSIFIER)
        profiles = [turn.profile(name) for name in routes]
        agents = "\n".join(f"- {p.name}: {p.summary}" for p in profiles)
        prompt = f"{classifier.system_prompt}\n\n{ROUTES_PROMPT.format(agents=agents, names=', '.join(routes))}"
        messages = [system(prompt), *recent_exchange(turn.history[1:-1]), user(turn.user_text)]
        choice = await ask_structured(
            turn, schema, messages, agent=CLASSIFIER, model=turn.model_for(classifier), temperature=classifier.temperature
        )
        if choice is None:
            return default, f"no valid route was given; using the default route {default!r}", True, None
        picked = choice.model_dump()
        return picked["route"], picked["reason"], False, picked["confidence"]


def route_schema(routes: list[str]) -> type[BaseModel]:
    """`route` is one of the routes (an enum in the schema): an invalid label fails with a message listing them."""
    return create_model(
        "Route",
        reason=(str, Field("", description="why this agent fits the request, in one sentence")),
        route=(one_of(routes), Field(description=f"the chosen agent: one of {', '.join(routes)}")),
        confidence=(float, Field(1.0, ge=0, le=1, description="how sure the route is right, from 0 to 1")),
    )


def recent_exchange(messages: list[Message], limit: int = 6) -> list[Message]:
    """The last few plain user/assistant messages: enough context to route a follow-up."""
    plain = [m for m in messages if m.role in ("user", "assistant") and m.content and not m.tool_calls]
    return [Message(role=m.role, content=m.content) for m in plain[-limit:]]


def prior_plain(messages: list[Message]) -> list[Message]:
    """Plain user/assistant text only: what a nested mode is given as the conversation before its task."""
    return [Message(role=m.role, content=m.content) for m in messages if m.role in ("user", "assistant") and m.content and not m.tool_calls]


async def answer_as(turn: Turn, profile_name: str, messages: list[Message]) -> Message:
    """The profile answers the user directly: its text streams as the answer (agent=None).

    `messages` follow the profile's own system prompt. A tool-less profile makes one plain
    call; others run the tool loop with their tools. Nothing is recorded in the turn: the
    caller adds the final answer.
    """
    profile = turn.profile(profile_name)
    if profile.runs_apart:  # a mode profile: its whole mode answers, streaming as the answer
        context, task = (messages[:-1], messages[-1].content) if messages and messages[-1].role == "user" else (messages, "")
        nested = await run_nested(turn, profile, task, prior_plain(context), None)
        return Message(role="assistant", content=nested.output, step_limited=nested.step_limited, cut=nested.cut)
    conversation = [system(profile.system_prompt), *messages]
    model = turn.model_for(profile)
    if profile.tools == []:
        request = ModelRequest(messages=conversation, temperature=profile.temperature)
        response = await answer_call(turn, request, model=model)
        return Message(role="assistant", content=response.message.content, cut=response.message.cut)
    return await run_tool_loop(turn, conversation, tools=profile.tools, model=model, temperature=profile.temperature)
