"""The REPL shows each answer's model calls, tokens and cost after it; /cost and /stats print the session's."""

from __future__ import annotations

from agentsh.models.base import TokenCount
from agentsh.models.scripted import Reply, ScriptedModel, calls

from helpers import scripted_session


def priced(reply: Reply, cost: float | None) -> Reply:
    reply.usage, reply.cost = TokenCount(1000, 200, 600), cost
    return reply


def tool_then_answer() -> ScriptedModel:
    return ScriptedModel(priced(calls(("calculator", {"expression": "6*7"})), 0.0015), priced(Reply(text="It is 42."), None))


async def test_the_answer_is_followed_by_its_model_calls_tokens_and_cost(home, drive):
    repl = await drive(scripted_session(home, tool_then_answer()))
    printed = await repl.submit("what is 6*7?")
    lines = printed.splitlines()
    answer = next(i for i, line in enumerate(lines) if "It is 42." in line)
    assert "· 2 model calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown" in lines[answer + 1:]


async def test_cost_and_stats_print_the_session(home, drive):
    repl = await drive(scripted_session(home, tool_then_answer()))
    await repl.submit("what is 6*7?")
    cost = await repl.submit("/cost")
    assert "1 turn · 2 model calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown (1 call unpriced)" in cost
    assert any(line.split()[:2] == ["tools", "scripted"] for line in cost.splitlines())
    stats = await repl.submit("/stats")
    assert "this session ·" in stats and "today ·" in stats
    assert "█" in stats and "\x1b" not in stats  # bars drawn as characters, no colour codes on a pipe
