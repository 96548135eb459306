"""Pilot tests: each answer's footer (model calls, tokens, cost; open per step), /cost and the /stats screen."""

from __future__ import annotations

from agentsh.models.base import TokenCount
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.tui.screens.stats import StatsScreen
from agentsh.tui.turn_view import TurnView
from agentsh.tui.widgets.messages import CommandOutput
from agentsh.tui.widgets.turn_cost import TurnFooter

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for


def priced(reply: Reply, cost: float | None) -> Reply:
    reply.usage, reply.cost = TokenCount(1000, 200, 600), cost
    return reply


def tool_then_answer() -> ScriptedModel:
    return ScriptedModel(priced(calls(("calculator", {"expression": "6*7"})), 0.0015), priced(Reply(text="It is 42."), None))


async def test_an_answer_shows_its_model_calls_tokens_and_cost_and_opens_per_step(home):
    app = make_app(scripted_session(home, tool_then_answer()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "what is 6*7?")
        [footer] = of_type(app, TurnFooter)
        summary = "2 model calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown"
        assert summary in screen_text(app)
        assert footer.collapsed and "answer · scripted" not in screen_text(app)
        await pilot.click(footer.query_one("CollapsibleTitle"))
        await wait_for(pilot, lambda: not footer.collapsed, what="the footer to open")
        await pilot.pause()
        assert "answer · scripted · 2 calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown" in screen_text(app)
        footer.query_one("CollapsibleTitle").focus()
        await pilot.press("enter")  # the keyboard closes it too
        await wait_for(pilot, lambda: footer.collapsed, what="the footer to close")


async def test_a_model_name_in_the_footer_is_never_markup(home):
    model = ScriptedModel(priced(Reply(text="hi"), 0.001), name="[bold red]evil[/]")
    app = make_app(scripted_session(home, model))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        [footer] = of_type(app, TurnFooter)
        footer.collapsed = False
        await pilot.pause()
        assert "[bold red]evil[/]" in screen_text(app)


async def test_cost_prints_the_session_by_mode_and_model(home):
    app = make_app(scripted_session(home, tool_then_answer()))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "what is 6*7?")
        app.prompt.set_text("/cost")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, CommandOutput), what="the /cost output")
        [output] = of_type(app, CommandOutput)
        shown = str(output.render())
        assert "1 turn · 2 model calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown (1 call unpriced)" in shown
        assert any(line.split()[:2] == ["tools", "scripted"] for line in shown.splitlines())


async def test_the_stats_screen_shows_this_session_and_today(home):
    app = make_app(scripted_session(home, tool_then_answer()))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "what is 6*7?")
        app.prompt.set_text("/stats")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen), what="the stats screen")
        await pilot.pause()
        screen = screen_text(app)
        assert "this session ·" in screen and "today ·" in screen
        assert "1 turn · 2 model calls · 2,000 in (1,200 cached) · 400 out · ≥ $0.0015 + unknown" in screen
        assert "scripted" in screen and "█" in screen  # a row per model, with its bar
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, StatsScreen), what="the stats screen to close")


async def test_the_status_counts_a_turn_once_while_its_last_events_arrive_after_it_was_stored(home):
    app = make_app(scripted_session(home, ScriptedModel(priced(Reply(text="hi"), 0.001))))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "hello")  # stored: the record holds the turn's cost and tokens
        view = TurnView(app.transcript, app.notify_plain, app.ask_approval, before=(0.0, 0))
        view.cost, view.tokens = 0.001, 1200  # the same turn, as its view counted it

        app.refresh_status(state="running", live=view)  # a budget's stop, the turn's end: shown after the store

        assert app.status.info.cost == 0.001 and app.status.info.tokens == 1200
