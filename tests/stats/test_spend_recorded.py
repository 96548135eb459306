"""What a turn spends is recorded per model as the turn is written, and shown by /cost and /stats."""

from __future__ import annotations

from agentsh.commands import run_slash_command
from agentsh.costs import TurnCost, dollars
from agentsh.events import Step, Usage
from agentsh.models.base import TokenCount
from agentsh.models.scripted import Reply, ScriptedModel, calls

from helpers import scripted_session, send


def priced(text: str = "", cost: float | None = 0.0015, *tools) -> Reply:
    reply = calls(*tools, text=text) if tools else Reply(text=text)
    reply.usage, reply.cost = TokenCount(1000, 200, 600), cost
    return reply


async def test_a_turn_records_its_model_calls_tokens_cached_tokens_and_cost(home):
    model = ScriptedModel(priced("", 0.0015, ("calculator", {"expression": "6*7"})), priced("It is 42.", None))
    session = scripted_session(home, model)
    await send(session, "what is 6*7?")
    this, today = session.spend_reports()
    [row] = this.rows
    assert (row.keys, row.turns, row.calls) == ({"mode": "tools", "model": "scripted"}, 1, 2)
    assert (row.prompt_tokens, row.cached_tokens, row.completion_tokens) == (2000, 1200, 400)
    assert row.cost == 0.0015 and row.unpriced_calls == 1  # the second call had no price: a lower bound
    assert today.total.turns == 1 and today.total.calls == 2


async def test_cost_summarises_the_session_by_mode_and_model(home):
    model = ScriptedModel(priced("one", 0.001), priced("two", 0.002), priced("three", None))
    session = scripted_session(home, model)
    await send(session, "first")
    session.set_mode("chat")
    await send(session, "second")
    session.model.name = "other-model"
    await send(session, "third")
    text = run_slash_command(session, "/cost").text
    lines = text.splitlines()
    assert lines[0].startswith("3 turns · 3 model calls") and "≥ $0.0030 + unknown (1 call unpriced)" in lines[0]
    assert any(line.split()[:2] == ["tools", "scripted"] and line.endswith("$0.0010") for line in lines)
    assert any(line.split()[:2] == ["chat", "scripted"] and line.endswith("$0.0020") for line in lines)
    assert any(line.split()[:2] == ["chat", "other-model"] and line.endswith("unknown") for line in lines)


async def test_cost_before_any_turn(home):
    session = scripted_session(home, ScriptedModel())
    assert run_slash_command(session, "/cost").text == "no model calls in this session yet"


async def test_a_deleted_session_leaves_the_stats(home):
    session = scripted_session(home, ScriptedModel(priced("one", 0.001)))
    await send(session, "first")
    assert session.spend_reports()[1].total.turns == 1
    session.store.delete(session.id)
    assert session.spend_reports()[1].total.turns == 0


def test_an_answer_cost_is_split_per_step_and_model():
    cost = TurnCost()
    for event in (
        Step(kind="plan", title="plan the work"),
        Usage(model="gpt", prompt_tokens=100, completion_tokens=10, cached_tokens=50, cost=0.01),
        Step(kind="task", title="write it"),
        Usage(model="gpt", prompt_tokens=200, completion_tokens=20, cost=0.02),
        Usage(model="gpt", prompt_tokens=200, completion_tokens=20, cost=0.02),
        Usage(model="local", prompt_tokens=50, completion_tokens=5, cost=None, agent="critic"),
    ):
        cost.add(event)
    assert cost.summary() == "4 model calls · 550 in (50 cached) · 55 out · ≥ $0.0500 + unknown"
    assert [step.line() for step in cost.steps()] == [
        "plan the work · gpt · 1 call · 100 in (50 cached) · 10 out · $0.0100",
        "write it · gpt · 2 calls · 400 in · 40 out · $0.0400",
        "critic · local · 1 call · 50 in · 5 out · unknown",
    ]


def test_a_cost_under_a_hundredth_of_a_cent_keeps_its_digits_and_only_zero_reads_zero():
    assert [dollars(v) for v in (0.0, 0.0000225, 0.0000949, 0.0000999, 0.01234, 12.345)] == [
        "$0.0000", "$0.000023", "$0.000095", "$0.0001", "$0.0123", "$12.35"]
    assert dollars(0.000009) == "$0.000009" and dollars(1e-12) == "<$0.00000001"
