"""An answer cut at the model's token cap: its badge, live and resumed, and /continue."""

from __future__ import annotations

from agentsh.agent.continuation import CONTINUE_REQUEST
from agentsh.config import Settings
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.session import Session
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.messages import UserMessage

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for

BADGE = "✂ cut: the answer stopped at the model's token cap; /continue goes on from there"


async def test_a_cut_answer_has_a_badge_and_continue_goes_on_below_it(home):
    model = ScriptedModel(Reply(text="The first half", finish_reason="length"), "and the second half.")
    session = scripted_session(home, model)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "tell me everything")
        assert BADGE in screen_text(app)

        await send(pilot, "/continue")
        await wait_for(pilot, lambda: "and the second half." in screen_text(app), what="the continuation")
        answers = of_type(app, AssistantMessage)
        assert [(a.source, a.cut) for a in answers] == [("The first half", True), ("and the second half.", False)]
        assert [m.source for m in of_type(app, UserMessage)] == ["tell me everything", "/continue"]
        assert model.requests[1].messages[-1].content == CONTINUE_REQUEST
        assert screen_text(app).count(BADGE) == 1

        await send(pilot, "/continue")
        assert "nothing to continue" in screen_text(app) and len(model.requests) == 2


async def test_a_resumed_session_shows_the_cut_answer_with_its_badge(home):
    first = scripted_session(home, ScriptedModel(Reply(text="Half an answer", finish_reason="length")))
    async for _ in first.send("tell me"):
        pass
    await first.aclose()

    app = make_app(Session.open(Settings(home=home, model="offline"), resume=first.id))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        [answer] = of_type(app, AssistantMessage)
        assert answer.cut and BADGE in screen_text(app)
