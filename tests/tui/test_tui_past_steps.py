"""A resumed session shows each past turn's steps (plan checklists, routes, verdicts) as they were shown live."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.tui.widgets.past_steps import PastSteps
from agentsh.tui.widgets.steps import PlanChecklist, StepList

from tui_support import SIZE, make_app, ready, screen_text, send


def drawn(app, kind: type) -> list[str]:
    return [widget.render_rows().plain for widget in app.transcript.query(kind)]


async def test_a_resumed_planner_turn_shows_its_plan_checklist_as_it_was_live(home):
    live = make_app(Session.open(Settings(home=home, model="offline", mode="planner", memory={"consolidate": False})))
    async with live.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "find the answer and then explain it")
        plans_live = drawn(live, PlanChecklist)
        session_id = live.session.id
    assert plans_live and plans_live[0].startswith("plan 1/1")

    resumed = make_app(Session.open(Settings(home=home, memory={"consolidate": False}), resume=session_id))
    async with resumed.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(resumed.transcript.query(PastSteps)) == 1
        assert drawn(resumed, PlanChecklist) == plans_live
        assert plans_live[0].splitlines()[0] in screen_text(resumed)


async def test_each_past_turn_keeps_its_own_steps_and_a_chat_turn_has_none(home):
    session = Session.open(Settings(home=home, model="offline", mode="reflect", memory={"consolidate": False}))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "first question")
        await send(pilot, "/mode chat")
        await send(pilot, "second question")
        await send(pilot, "/mode reflect")
        await send(pilot, "third question")
        live = drawn(app, StepList)
        session_id = app.session.id
    resumed = make_app(Session.open(Settings(home=home, memory={"consolidate": False}), resume=session_id))
    async with resumed.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert len(resumed.transcript.query(PastSteps)) == 2
        assert drawn(resumed, StepList) == live
        children = list(resumed.transcript.children)
        kinds = [type(child).__name__ for child in children]
        assert kinds.count("UserMessage") == 3
        second_user = [i for i, k in enumerate(kinds) if k == "UserMessage"][1]
        assert kinds[second_user + 1] != "PastSteps"  # the chat turn had no steps


async def test_a_resumed_answer_keeps_its_footer_of_model_calls_tokens_and_cost(home):
    from agentsh.tui.widgets.turn_cost import TurnFooter

    def footers(app) -> list[tuple[str, str]]:
        return [(str(f.title), "\n".join(step.line() for step in f.cost.steps())) for f in app.transcript.query(TurnFooter)]

    live = make_app(Session.open(Settings(home=home, model="offline", mode="debate", memory={"consolidate": False})))
    async with live.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "first question")
        await send(pilot, "/mode chat")
        await send(pilot, "second question")
        shown_live = footers(live)
        session_id = live.session.id
    assert len(shown_live) == 2 and shown_live[0][0].startswith("7 model calls")
    resumed = make_app(Session.open(Settings(home=home, memory={"consolidate": False}), resume=session_id))
    async with resumed.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert footers(resumed) == shown_live
        kinds = [type(child).__name__ for child in resumed.transcript.children]
        assert kinds[-2:] == ["AssistantMessage", "TurnFooter"]  # under its answer, as it was live
        assert shown_live[1][0] in screen_text(resumed)
