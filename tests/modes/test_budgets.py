"""Budgets: checked before every model call, nested modes included; at 80% a warning, at 100% a clean stop.

A scripted model answers by who is asking and reports a fixed cost (and 10 + 5 tokens) per call.
"""

from __future__ import annotations

import json

import pytest

from agentsh.config import Settings
from agentsh.events import Notice, Step, ToolResult
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.modes import mode_names
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import done, of, send

PLANNER_PROMPT = BUNDLED_PROFILES["planner"].system_prompt
CALL_COST = 0.004
undone: list[dict] = []


@tool(compensate="cancel")
def book(hotel: str) -> str:
    """Book a hotel room."""
    return f"booking #{len(hotel) * 7} at {hotel}"


@tool
def cancel(hotel: str, result: str) -> str:
    """Cancel a booking; `result` is what the booking returned."""
    undone.append({"hotel": hotel, "result": result})
    return "cancelled"


def priced(reply, cost: float | None = CALL_COST) -> Reply:
    reply = Reply(text=reply) if isinstance(reply, str) else reply
    reply.cost = cost
    return reply


def debate_model(cost: float | None = CALL_COST) -> ScriptedModel:
    def respond(request):
        who = request.messages[0].content.split(".")[0]
        return priced(f"answer of {who[:20]}", cost)

    return ScriptedModel(default=respond)


def open_session(home, mode: str, model: ScriptedModel, **settings) -> Session:
    settings.setdefault("memory", {"consolidate": False})
    session = Session.open(Settings(home=home, model="offline", mode=mode, **settings))
    session.model = model
    for item in (book, cancel):
        session.registry.add(item)
    return session


def warnings(events: list) -> list[str]:
    return [e.message for e in of(events, Notice) if e.level == "warning"]


DEBATE = {"debate": {"debaters": ["researcher", "writer"], "rounds": 3}}


async def test_a_debate_warns_at_80_percent_then_stops_at_the_limit_with_its_answers_kept(home):
    session = open_session(home, "debate", debate_model(), budget={"max_cost": 0.01}, modes=DEBATE)

    events = await send(session, "which is better?")

    notes = warnings(events)
    assert notes[0].startswith("80% of the turn's cost budget used ($0.008 of $0.01)")
    assert "the turn's cost budget is spent ($0.012 of $0.01)" in notes[1]
    assert "--max-cost" in notes[1] and "/budget cost" in notes[1]  # how to raise it
    result = done(events)
    assert result.budget_limited and not result.failed
    assert result.model_calls == 3  # round 2's second debater found the budget spent: no more calls
    assert result.output.startswith("(The debate stopped after round 1, before a verdict.")  # the last whole round
    assert "answer of You are a careful re" in result.output
    [stored] = [m for m in session.history() if m.role == "assistant"]
    assert stored.budget_limited and stored.content == result.output
    resumed = Session.open(Settings(home=home, model="offline", memory={"consolidate": False}), resume=session.id)
    assert resumed.history()[-1].budget_limited  # visible on resume


async def test_a_planner_stopped_by_its_budget_undoes_its_bookings_with_their_results(home):
    undone.clear()
    plan = {"goal": "a trip", "tasks": [
        {"id": "hotel", "description": "book the hotel", "depends_on": [], "agent": "assistant"},
        {"id": "later", "description": "then plan the days", "depends_on": ["hotel"], "agent": "assistant"},
    ]}
    booked: list[str] = []

    def respond(request):
        if request.response_format is not None:
            return priced(json.dumps(plan))
        if "(id hotel)" in request.messages[-1].content and not booked:
            booked.append("yes")
            return priced(calls(("book", {"hotel": "Ritz"})))
        return priced("done")

    session = open_session(home, "planner", ScriptedModel(default=respond), budget={"max_model_calls": 3}, approval="auto")

    events = await send(session, "plan my trip")

    assert undone == [{"hotel": "Ritz", "result": "booking #28 at Ritz"}]
    [undo] = [s for s in of(events, Step) if s.kind == "compensate"]
    assert undo.status == "done" and undo.data["arguments"] == {"hotel": "Ritz", "result": "booking #28 at Ritz"}
    result = done(events)
    assert result.budget_limited and result.model_calls == 3
    assert "Undone:" in result.output and "cancel(" in result.output
    assert "model-call budget is spent (3 model calls of 3 model calls)" in warnings(events)[-1]


async def test_a_nested_debate_draws_from_the_turns_budget(home):
    plan = {"goal": "g", "tasks": [{"id": "t", "description": "debate it", "depends_on": [], "agent": "panel"}]}
    agents = {"panel": {"mode": "debate", "debaters": ["researcher", "writer"], "rounds": 2}}

    def respond(request):
        return priced(json.dumps(plan)) if request.response_format is not None else priced("an answer")

    session = open_session(home, "planner", ScriptedModel(default=respond), agents=agents, budget={"max_tokens": 60})

    events = await send(session, "go")

    result = done(events)
    assert result.budget_limited and result.usage["total_tokens"] == 60  # the plan, round 1, one debater of round 2
    modes = [s for s in of(events, Step) if s.kind == "mode"]
    assert [s.status for s in modes] == ["running", "budget_limited"]
    assert any(s.kind == "round" and s.parent_id == modes[0].id for s in of(events, Step))
    assert "token budget is spent (60 tokens of 60 tokens)" in warnings(events)[-1]
    assert "Partial work of the running task:\n\n(The debate stopped after round 1" in result.output  # the nested run's


async def test_the_session_budget_counts_earlier_turns_from_the_store(home):
    model = ScriptedModel(default=priced("hi"))
    session = open_session(home, "chat", model, budget={"session_max_tokens": 30})
    assert not done(await send(session, "one")).budget_limited
    assert not done(await send(session, "two")).budget_limited

    resumed = open_session(home, "chat", model, budget={"session_max_tokens": 30})
    resumed = Session.open(resumed.settings, resume=session.id)
    resumed.model = model
    events = await send(resumed, "three")

    assert done(events).budget_limited and done(events).model_calls == 0
    assert "the session's token budget is spent (30 tokens of 30 tokens)" in warnings(events)[-1]
    assert len(model.requests) == 2


async def test_the_daily_budget_counts_every_session_of_the_day(home):
    model = ScriptedModel(default=priced("hi"))
    for text in ("one", "two"):
        assert not done(await send(open_session(home, "chat", model, budget={"daily_max_cost": 0.008}), text)).budget_limited

    events = await send(open_session(home, "chat", model, budget={"daily_max_cost": 0.008}), "three")

    assert done(events).budget_limited
    assert "the day's cost budget is spent ($0.008 of $0.008)" in warnings(events)[-1]


async def test_a_tiny_cost_budget_says_its_figures_never_zero_of_zero(home):
    """A cheap model's calls cost millionths of a dollar: the warning and the stop show them, not "$0 of $0"."""
    session = open_session(home, "debate", debate_model(cost=0.000004), budget={"max_cost": 0.000009}, modes=DEBATE)

    events = await send(session, "which is better?")

    notes = warnings(events)
    assert notes[0].startswith("89% of the turn's cost budget used ($0.000008 of $0.000009)")
    assert "the turn's cost budget is spent ($0.000012 of $0.000009)" in notes[1]
    assert "$0 of" not in " ".join(notes)


async def test_an_unknown_price_is_said_once_and_token_limits_still_apply(home):
    session = open_session(home, "debate", debate_model(cost=None), budget={"max_cost": 0.01, "max_tokens": 40}, modes=DEBATE)

    events = await send(session, "which?")

    notes = warnings(events)
    assert sum("price of this model is unknown" in n for n in notes) == 1
    assert done(events).budget_limited and "token budget is spent" in notes[-1]


async def run_offline(home, mode: str, **budget) -> tuple[Session, list]:
    session = Session.open(Settings(home=home, model="offline", mode=mode, budget=budget, memory={"consolidate": False}))
    return session, await send(session, "hello")


@pytest.mark.parametrize("mode", mode_names())
async def test_every_mode_stops_one_call_short_of_its_answer_with_its_partial_work_kept(tmp_path, mode):
    _, events = await run_offline(tmp_path / "free", mode)
    needed = done(events).model_calls
    if needed < 2:
        pytest.skip(f"{mode} answers in one call on the offline model: nothing to stop before")

    session, events = await run_offline(tmp_path / "capped", mode, max_model_calls=needed - 1)

    result = done(events)
    assert result.budget_limited and not result.failed and result.model_calls == needed - 1
    assert "/budget calls N" in warnings(events)[-1]
    if mode == "router":  # only the route was chosen: no agent had answered yet
        assert result.output == "" and session.history()[-1].role == "user"
        return
    stored = session.history()[-1]
    assert stored.role == "assistant" and stored.budget_limited and stored.content == result.output != ""


async def test_a_spent_budget_inside_a_delegation_stops_the_turn_not_just_the_tool_call(home):
    def respond(request):
        if request.messages[-1].role == "tool":
            return priced("the manager's answer")
        if request.messages[0].content.startswith(BUNDLED_PROFILES["supervisor"].system_prompt):
            return priced(calls(("delegate", {"worker": "writer", "task": "write it"})))
        return priced("the writer's text")

    session = open_session(home, "supervisor", ScriptedModel(default=respond), budget={"max_model_calls": 1})

    events = await send(session, "go")

    result = done(events)
    assert result.budget_limited and result.model_calls == 1
    assert not [r for r in of(events, ToolResult) if not r.ok]  # not turned into a failed tool result
    delegations = [s for s in of(events, Step) if s.kind == "delegate"]
    assert [s.status for s in delegations] == ["running", "failed"]


async def test_calls_started_together_stop_at_the_limit_not_a_whole_round_past_it(home):
    """A debate round's calls all start at once: each counts the ones still under way at the turn's average,
    so a round that would pass the limit stops after one call, not after every debater has been paid."""
    three = {"debate": {"debaters": ["researcher", "coder", "writer"], "rounds": 3}}
    def respond(request):
        return Reply(text="answer", delay=0.05, cost=0.0033)  # a real model takes a while: the round's calls overlap

    session = open_session(home, "debate", ScriptedModel(default=respond), budget={"max_cost": 0.01}, modes=three)

    events = await send(session, "tea or coffee?")

    result = done(events)
    assert result.budget_limited and result.model_calls == 4  # round 1, and one call of round 2
    assert "the turn's cost budget is spent ($0.0099 of $0.01, 1 more call under way)" in warnings(events)[-1]
