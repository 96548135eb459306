"""Pilot tests of the main screen: streaming, tool blocks, notices, input."""

from __future__ import annotations

from textual.widgets import Markdown

from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.tui.widgets.answer import AssistantMessage, StreamingAnswer
from agentsh.tui.widgets.messages import UserMessage
from agentsh.tui.widgets.tool_block import ToolBlock

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for


async def test_a_streamed_answer_appears_as_it_arrives(home):
    text = "Hello **world**, this answer arrives in many small pieces. " * 3
    session = scripted_session(home, ScriptedModel(Reply(text=text, chunk=4, pause=0.04)))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("hi there")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, StreamingAnswer) and 0 < len(of_type(app, StreamingAnswer)[0].source) < len(text)
                       and "Hello" in screen_text(app), what="a partly streamed answer on screen")
        assert "hi there" in screen_text(app)
        await wait_for(pilot, lambda: not app.runner.busy, what="the end of the turn")
        await pilot.pause()
        [answer] = of_type(app, AssistantMessage)
        assert answer.source == text and not answer.streaming
        assert not answer.query(Markdown)  # the streamed Markdown widget became a cheap static rendering
        assert "Hello world, this answer arrives" in screen_text(app)
        assert [m.source for m in of_type(app, UserMessage)] == ["hi there"]


async def test_a_tool_call_is_a_block_with_its_arguments_result_and_outcome(home):
    model = ScriptedModel(calls(("calculator", {"expression": "17 + 25"})), "The sum is 42.")
    app = make_app(scripted_session(home, model))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "add 17 and 25")
        [block] = of_type(app, ToolBlock)
        assert block.ok is True and block.output == "42"
        screen = screen_text(app)
        assert '✓ calculator({"expression": "17 + 25"})' in screen
        assert "The sum is 42." in screen
        block.collapsed = False
        await pilot.pause()
        screen = screen_text(app)
        assert "result" in screen and "42" in screen and '"expression": "17 + 25"' in screen


async def test_a_failing_tool_shows_as_an_error(home):
    model = ScriptedModel(calls(("calculator", {"expression": "1/0"})), "That failed.")
    app = make_app(scripted_session(home, model))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "divide")
        [block] = of_type(app, ToolBlock)
        assert block.ok is False
        assert "✗ calculator" in screen_text(app)


async def test_the_offline_notice_says_how_to_configure_a_model(home):
    from agentsh.config import Settings
    from agentsh.session import Session

    session = Session.open(Settings(home=home))
    app = make_app(session)
    async with app.run_test(size=(140, 32)) as pilot:
        await ready(pilot)
        screen = screen_text(app)
        assert "offline (built-in)" in screen
        assert "OPENAI_API_KEY" in screen and "--model" in screen
