"""The TUI: a nested mode run's steps indented under it, and a budget-limited answer with its badge, live and resumed."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.steps import StepList

from tui_support import SIZE, make_app, ready, screen_text, send

BADGE = "■ budget-limited: the turn stopped at its budget; the partial answer was kept"
PANEL = {"panel": {"mode": "debate", "debaters": ["researcher", "writer"], "rounds": 1, "description": "a debate"}}


def settings(home, **more) -> Settings:
    return Settings(home=home, model="offline", memory={"consolidate": False}, **more)


async def test_a_nested_debate_is_indented_under_its_row(home):
    session = Session.open(settings(home, mode="router", agents=PANEL, modes={"router": {"routes": ["panel"], "default": "panel"}}))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        groups = {w.group: w for w in app.transcript.query(StepList)}
        assert groups["nested"].region.x < groups["debate"].region.x  # the debate sits inside the nested run
        assert groups["debate"].has_class("-depth-1") and not groups["nested"].has_class("-depth-1")
        groups["nested"].scroll_visible(animate=False)
        await pilot.pause()
        assert "✓ panel: debate" in screen_text(app)


async def test_a_budget_limited_answer_has_its_badge_live_and_resumed(home):
    session = Session.open(settings(home, mode="debate", budget={"max_model_calls": 4}))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        [answer] = app.transcript.query(AssistantMessage)
        assert answer.budget_limited and "The debate stopped after round 1" in answer.source
        assert BADGE in screen_text(app).replace("\n", " ")

    resumed = make_app(Session.open(settings(home), resume=session.id))
    async with resumed.run_test(size=SIZE) as pilot:
        await ready(pilot)
        [answer] = resumed.transcript.query(AssistantMessage)
        assert answer.budget_limited
