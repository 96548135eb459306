"""A nested mode run as an indented tree, and budgets: /budget, the stop line, in the plain REPL."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.session import Session

PANEL = {"panel": {"mode": "debate", "debaters": ["researcher", "writer"], "rounds": 1, "description": "a debate"}}


async def test_a_routed_debate_is_drawn_under_its_nested_row(home, drive):
    settings = Settings(home=home, model="offline", mode="router", agents=PANEL, modes={"router": {"routes": ["panel"], "default": "panel"}},
                        memory={"consolidate": False})
    repl = await drive(Session.open(settings))

    printed = await repl.submit("hello")

    lines = printed.splitlines()
    nested = next(i for i, line in enumerate(lines) if line.startswith("▸ mode: panel: debate"))
    assert lines[nested + 1].startswith("  ✓ round: round 1")  # inside the nested run: indented
    assert any(line.startswith("✓ mode: panel: debate") for line in lines[nested + 2:])
    assert any(line.startswith("→ route: panel") or line.startswith("✓ route: panel") for line in lines[:nested])


async def test_budget_shows_and_sets_the_limits_and_a_stopped_turn_says_so(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline", mode="debate", memory={"consolidate": False})))

    shown = await repl.submit("/budget calls 2")
    printed = await repl.submit("hello")

    assert "calls           2" in shown and "cost            off" in shown
    assert "! the turn's model-call budget is spent (2 model calls of 2 model calls)" in printed
    assert "■ budget-limited: the turn stopped at its budget; the partial answer is kept" in printed
    assert repl.session.history()[-1].budget_limited
    assert "not a number" in await repl.submit("/budget cost lots")


async def test_budget_shows_a_tiny_limit_and_spend_as_dollars_not_exponents_or_zero(home, drive):
    session = Session.open(Settings(home=home, model="offline", mode="chat", memory={"consolidate": False}))
    session.model = ScriptedModel(default=Reply(text="hi", cost=0.0000225))  # a cheap model's call: not free
    repl = await drive(session)

    await repl.submit("hello")
    shown = await repl.submit("/budget cost 0.000016")

    assert "cost            $0.000016" in shown and "e-05" not in shown
    assert "session-cost    off  (spent: $0.000023)" in shown


async def test_budget_says_unknown_for_spend_litellm_could_not_price_never_zero(home, drive):
    def session_answering_at(cost: float | None) -> Session:
        session = Session.open(Settings(home=home, model="offline", mode="chat", memory={"consolidate": False}))
        session.model = ScriptedModel(default=Reply(text="hi", cost=cost))
        return session

    await (await drive(session_answering_at(0.0000225))).submit("priced")
    repl = await drive(session_answering_at(None))  # a local model: no price

    await repl.submit("unpriced")
    shown = await repl.submit("/budget")

    assert "session-cost    off  (spent: unknown)" in shown
    assert "daily-cost      off  (spent: ≥ $0.000023 + unknown)" in shown
