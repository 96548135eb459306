"""Pilot tests of control: approvals, Esc, Ctrl+Q mid-stream, waiting for litellm, literal output."""

from __future__ import annotations

import threading

from agentsh.config import Settings
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.models.warmup import Warmup
from agentsh.session import Session
from agentsh.tools.tool import tool
from agentsh.tui.screens.approval import ApprovalScreen
from agentsh.tui.widgets.answer import AssistantMessage, StreamingAnswer
from agentsh.tui.widgets.messages import UserMessage
from agentsh.tui.widgets.tool_block import ToolBlock

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for

WRITTEN: list[str] = []


@tool(requires_approval=True)
def write_note(text: str) -> str:
    """Write a note somewhere outside the conversation.

    Args:
        text: the note
    """
    WRITTEN.append(text)
    return f"wrote {text!r}"


def approval_session(home):
    WRITTEN.clear()
    model = ScriptedModel(calls(("write_note", {"text": "buy [bold]milk[/]"})), "Done.")
    return scripted_session(home, model, write_note)


async def until_approval(app, pilot) -> None:
    """Send a message whose tool call needs approval, and wait for the modal."""
    await ready(pilot)
    app.prompt.set_text("note it")
    await pilot.press("enter")
    await until_armed(app, pilot)


async def until_armed(app, pilot) -> None:
    """The modal is up and has been visible long enough to take an answer."""
    await wait_for(pilot, lambda: isinstance(app.screen, ApprovalScreen) and app.screen.armed, what="the armed approval modal")


async def test_approve_once_runs_the_exact_call_shown(home):
    app = make_app(approval_session(home))
    async with app.run_test(size=SIZE) as pilot:
        await until_approval(app, pilot)
        screen = screen_text(app)
        assert "write_note" in screen and '"text": "buy [bold]milk[/]"' in screen
        assert "Always allow write_note" in screen
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.runner.busy)
        [block] = of_type(app, ToolBlock)
        assert block.ok is True
        assert WRITTEN == ["buy [bold]milk[/]"]


async def test_deny_refuses_the_call_and_the_turn_goes_on(home):
    app = make_app(approval_session(home))
    async with app.run_test(size=SIZE) as pilot:
        await until_approval(app, pilot)
        await pilot.click("#deny")
        await wait_for(pilot, lambda: not app.runner.busy)
        [block] = of_type(app, ToolBlock)
        assert block.ok is False and "denied" in block.output
        assert WRITTEN == []
        assert of_type(app, AssistantMessage)[-1].source == "Done."


async def test_always_is_remembered_for_the_rest_of_the_session(home):
    WRITTEN.clear()
    model = ScriptedModel(
        calls(("write_note", {"text": "one"})), "ok", calls(("write_note", {"text": "two"})), "ok again",
    )
    app = make_app(scripted_session(home, model, write_note))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("first")
        await pilot.press("enter")
        await until_armed(app, pilot)
        await pilot.click("#always")
        await wait_for(pilot, lambda: not app.runner.busy)
        await send(pilot, "second")
        assert WRITTEN == ["one", "two"]


async def test_escape_cancels_the_turn_and_keeps_the_partial_answer(home):
    text = "word " * 400
    session = scripted_session(home, ScriptedModel(Reply(text=text, chunk=5, pause=0.02)))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("talk a lot")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, StreamingAnswer) and len(of_type(app, StreamingAnswer)[0].source) > 20)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.runner.busy, what="the cancelled turn to end")
        await pilot.pause()
        [answer] = of_type(app, AssistantMessage)
        assert answer.interrupted and 0 < len(answer.source) < len(text)
        assert "interrupted" in screen_text(app)
    stored = session.store.messages(session.id)
    assert stored[-1].role == "assistant" and stored[-1].interrupted
    assert text.startswith(stored[-1].content) and stored[-1].content


async def test_ctrl_q_mid_stream_quits_and_saves_the_turn_as_interrupted(home):
    session = scripted_session(home, ScriptedModel(Reply(text="slow " * 500, chunk=5, pause=0.02)))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("go")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, StreamingAnswer) and of_type(app, StreamingAnswer)[0].source)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_code == 0
    stored = session.store.messages(session.id)
    assert [m.role for m in stored] == ["user", "assistant"] and stored[-1].interrupted


async def test_a_message_sent_before_litellm_is_loaded_waits_visibly(home):
    release = threading.Event()
    warmup = Warmup(load=release.wait, needed=lambda model: True)
    session = scripted_session(home, ScriptedModel("Here I am."))
    app = make_app(session, warmup=warmup)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("are you there?")
        await pilot.press("enter")
        await pilot.pause(0.2)
        screen = screen_text(app)
        assert "loading the model client" in screen
        assert "waiting to send: the model client (litellm) is loading" in screen
        assert [m.source for m in of_type(app, UserMessage)] == ["are you there?"]
        assert not of_type(app, AssistantMessage)
        release.set()
        await wait_for(pilot, lambda: of_type(app, AssistantMessage) and not app.runner.busy, what="the answer after loading")
        assert of_type(app, AssistantMessage)[0].source == "Here I am."
        assert "waiting to send" not in screen_text(app)


HOSTILE = "[bold]not bold[/] and [/] and an unmatched [ and [red]x \x1b]0;pwned\x07 \x1b[2J \x1b]52;c;aGVsbG8=\x07 end"


async def test_markup_and_escape_sequences_are_shown_literally(home):
    model = ScriptedModel(calls(("echo_back", {"text": HOSTILE})), HOSTILE)

    @tool
    def echo_back(text: str) -> str:
        """Return the text.

        Args:
            text: anything
        """
        return text

    app = make_app(scripted_session(home, model, echo_back))
    async with app.run_test(size=(160, 40)) as pilot:
        await ready(pilot)
        await send(pilot, HOSTILE)
        [block] = of_type(app, ToolBlock)
        block.collapsed = False
        await pilot.pause()
        screen = screen_text(app)
    assert "\x1b" not in screen.replace("\x1b[0m", "")
    assert "[bold]not bold[/] and [/] and an unmatched [ and [red]x ␛]0;pwned\\x07 ␛[2J ␛]52;c;aGVsbG8=\\x07 end" in screen
    assert screen.count("␛]52;c;aGVsbG8=") >= 3  # the user message, the tool block and the answer


def toasts(app) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query("Toast")]


async def test_a_plugin_reload_and_an_error_are_notified(home, tmp_path):
    from agentsh.errors import ModelError

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    model = ScriptedModel("first", ModelError("the provider is down"))
    app = make_app(scripted_session(home, model, plugin_dirs=[plugins]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        (plugins / "greet.py").write_text(
            "from agentsh import tool\n\n@tool\ndef greet(name: str) -> str:\n"
            '    """Greet someone.\n\n    Args:\n        name: who\n    """\n    return f"hi {name}"\n'
        )
        await send(pilot, "again")
        await wait_for(pilot, lambda: len(toasts(app)) >= 2, what="two notifications")
        shown = "\n".join(toasts(app))
        assert "greet.py: 1 tool loaded" in shown
        assert "the provider is down" in shown
        assert "the provider is down" in screen_text(app)  # and in the transcript, where it stays


async def test_sending_during_a_turn_queues_and_esc_puts_the_queue_back_in_the_input(home):
    session = scripted_session(home, ScriptedModel(Reply(text="long " * 300, chunk=5, pause=0.02), default="short"))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("first")
        await pilot.press("enter")
        await wait_for(pilot, lambda: of_type(app, StreamingAnswer))
        app.prompt.set_text("second")
        await pilot.press("enter")
        assert "+1 queued" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.runner.busy)
        assert app.prompt.text == "second"
        assert [m.source for m in of_type(app, UserMessage)] == ["first"]


async def test_ctrl_q_while_an_approval_is_asked_quits_and_saves_the_turn(home):
    session = approval_session(home)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await until_approval(app, pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert WRITTEN == []
    stored = session.store.messages(session.id)
    assert stored[0].content == "note it"
    assert [m.role for m in stored[1:]] == ["assistant", "tool"]  # the call, with the interrupted result the store gives it


async def test_switching_to_a_litellm_model_loads_it_before_the_next_turn_as_the_repl_does(home):
    loaded = []
    warmup = Warmup(load=lambda: loaded.append(True), needed=lambda model: model.name == "openai/fake-model")
    app = make_app(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})), warmup=warmup)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert loaded == []
        app.prompt.set_text("/model openai/fake-model")
        await pilot.press("enter")
        await wait_for(pilot, lambda: loaded, what="litellm loading after /model")
