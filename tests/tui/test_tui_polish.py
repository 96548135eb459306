"""What a new user stumbled on (issue 24): a message sent at start, sending while scrolled up,
narrow terminals, the header's figures."""

from __future__ import annotations

import threading
import time

import pytest

from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel
from agentsh.models.warmup import Warmup
from agentsh.session import Session
from agentsh.tui.app import AgentshApp
from agentsh.tui.widgets.messages import UserMessage

from helpers import scripted_session
from tui_support import SIZE, make_app, of_type, ready, screen_text, send, wait_for


async def test_a_message_sent_while_the_session_opens_stays_on_screen_and_says_what_it_waits_for(home):
    opened, loaded = threading.Event(), threading.Event()
    session = scripted_session(home, ScriptedModel("the answer"))

    def slow_opener() -> Session:
        opened.wait(5)
        return session

    app = AgentshApp(slow_opener, warmup=Warmup(load=lambda: loaded.wait(5), needed=lambda model: True))
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.set_text("sent right at start")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "sent right at start" in screen_text(app), what="the message at once")
        assert "opening the session" in screen_text(app)
        opened.set()
        await wait_for(pilot, lambda: "loading the model client" in screen_text(app), what="the model client's load")
        screen = screen_text(app)
        assert "sent right at start" in screen and "ready" not in screen, screen
        assert screen.index("agentsh — chat") < screen.index("sent right at start"), "the welcome stays above the message"
        loaded.set()
        await wait_for(pilot, lambda: "the answer" in screen_text(app) and not app.runner.busy, what="the turn")
        assert [m.source for m in of_type(app, UserMessage)] == ["sent right at start"]


async def test_sending_while_scrolled_up_scrolls_to_the_end_and_follows_the_answer(home):
    long_answer = "\n\n".join(f"paragraph {n} of a long answer" for n in range(40))
    app = make_app(scripted_session(home, ScriptedModel(long_answer, long_answer, "THE-LAST-ANSWER")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "first")
        await send(pilot, "second")
        app.transcript.scroll_home(animate=False)
        await pilot.pause()
        assert "THE-LAST-ANSWER" not in screen_text(app)
        await send(pilot, "third")
        await wait_for(pilot, lambda: "THE-LAST-ANSWER" in screen_text(app), what="the view at the new answer")
        app.transcript.scroll_home(animate=False)
        await pilot.pause()
        app.prompt.set_text("/title Renamed while scrolled up")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "title: Renamed while scrolled up" in screen_text(app), what="the command's output")


async def test_at_50_columns_the_header_keeps_the_mode_and_the_running_state(home):
    started = time.monotonic()
    app = make_app(scripted_session(home, ScriptedModel("done")))
    async with app.run_test(size=(50, 20)) as pilot:
        await ready(pilot)
        app.status.show(title="A fairly long session title here", state="running", waiting=35)
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "tools" in header and "waiting 35 s" in header and "A fairly" in header, header
        app.status.show(state="idle", waiting=None)
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert header.rstrip().endswith("ready") and "tools" in header, header
    assert time.monotonic() - started < 30


async def test_at_80_columns_the_wait_for_the_model_is_shown_whole(home):
    app = make_app(scripted_session(home, ScriptedModel("done")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.status.show(title="A fairly long session title here", state="running", waiting=35)
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        assert "waiting" in header and "35 s" in header and "A fairly" in header, header


async def test_the_header_shows_how_full_the_context_is_not_the_running_total(home):
    session = scripted_session(home, ScriptedModel("an answer"))
    app = make_app(session)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await send(pilot, "hello")
        await send(pilot, "again")
        header = screen_text(app).splitlines()[0]
        total = session.record.prompt_tokens + session.record.completion_tokens
        assert "ctx " in header and f"{total:,} tokens" not in header, header
        app.status.info.window = 1000
        app.gauge.windows[session.record.model] = 1000
        app.refresh_status()
        await pilot.pause()
        assert "/1.0k (" in screen_text(app).splitlines()[0]


async def test_the_context_figure_after_a_turn_reads_the_store_on_the_ui_loop_not_beside_it(home, monkeypatch):
    """A thread reading the store while the loop writes (quitting mid-answer, the next turn) broke the one
    connection's transactions: "no such savepoint: sqlite_utils_query" and a traceback on quitting."""
    session = scripted_session(home, ScriptedModel("an answer"))
    readers: list[str] = []
    fill = session.context_fill

    def recording_fill() -> int:
        readers.append(threading.current_thread().name)
        return fill()

    monkeypatch.setattr(session, "context_fill", recording_fill)
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        readers.clear()  # the first estimate reads the history in a thread before any turn can run
        await send(pilot, "hello")
        await wait_for(pilot, lambda: bool(readers), what="the estimate after the turn")
    assert readers == [threading.main_thread().name], readers


def test_the_gauge_reads_the_window_of_a_model_litellm_knows(home):
    session = Session.open(Settings(home=home, model="openai/gpt-4o-mini", memory={"consolidate": False}))
    assert (session.context_window() or 0) >= 100_000


async def test_page_keys_scroll_the_transcript_from_the_input_and_typing_on_a_tool_block_goes_to_the_input(home):
    long_answer = "\n\n".join(f"paragraph {n}" for n in range(60))
    app = make_app(scripted_session(home, ScriptedModel(long_answer)))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "a long one")
        bottom = app.transcript.scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert app.transcript.scroll_y < bottom and app.focused is app.prompt
        await pilot.press("pagedown")
        await pilot.pause()
        assert app.transcript.scroll_y == bottom


async def test_ctrl_t_opens_the_newest_tool_block_and_keys_typed_on_a_block_go_to_the_input(home):
    from agentsh.tui.widgets.tool_block import ToolBlock

    session = Session.open(Settings(home=home, model="offline", memory={"consolidate": False}))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await send(pilot, "use the calculator on 17 + 25")
        [block] = of_type(app, ToolBlock)
        assert block.collapsed
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not block.collapsed
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused is not app.prompt and "expand/collapse" in screen_text(app)
        await pilot.press("h", "i")
        await pilot.pause()
        assert app.focused is app.prompt and app.prompt.text == "hi"


async def test_what_was_loaded_at_start_is_information_not_a_warning(home):
    from agentsh.config import config_dir
    from agentsh.tui.widgets.messages import NoticeLine

    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "AGENTS.md").write_text("Answer briefly.\n")
    app = make_app(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        [loaded] = [n for n in of_type(app, NoticeLine) if "loaded AGENTS.md" in str(n.render())]
        assert loaded.has_class("-info") and "⚠" not in str(loaded.render()) and "ℹ" in str(loaded.render())



async def test_a_background_failure_right_after_an_error_pop_up_does_not_pop_up_again(home):
    from agentsh.events import Notice
    from agentsh.tui.widgets.messages import NoticeLine

    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.notify_plain("the provider refused the key (401)", "error")
        app._background_event(Notice(message="memory consolidation of session x failed: 401", level="warning"))
        await wait_for(pilot, lambda: any("consolidation" in str(n.render()) for n in of_type(app, NoticeLine)), what="the line")
        assert len(app._notifications) == 1


async def test_an_error_pop_up_right_after_a_background_failure_replaces_its_pop_up(home):
    """A wrong key: consolidation of an ended session fails first, then the turn; one pop-up, not two."""
    from agentsh.events import Notice

    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app._background_event(Notice(message="memory consolidation of session x failed: 401", level="warning"))
        await wait_for(pilot, lambda: len(app._notifications) == 1, what="the background pop-up")
        app.notify_plain("the provider refused the key (401)", "error")
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["the provider refused the key (401)"]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_user_messages_interrupted_answers_errors_and_notices_each_look_their_own(home, theme):
    from agentsh.tui.widgets.answer import AssistantMessage
    from agentsh.tui.widgets.messages import NoticeLine

    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = theme
        widgets = [UserMessage("mine"), AssistantMessage("cut short", interrupted=True), NoticeLine("boom", "error"), NoticeLine("fyi")]
        await app.transcript.add(*widgets)
        await pilot.pause()
        looks = [(w.styles.border_left[0], w.styles.border_left[1].hex, w.styles.background.hex, w.styles.color.hex) for w in widgets]
        assert len(set(looks)) == len(looks), looks
        user, interrupted = looks[0], looks[1]
        assert user[1] != interrupted[1] and user[0] != interrupted[0]


def _contrast(first, second) -> float:
    """WCAG's contrast ratio of two colours (1 to 21)."""

    def luminance(color) -> float:
        channels = [c / 255 for c in (color.r, color.g, color.b)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "solarized-light"])
async def test_warnings_are_legible_on_light_themes_too(home, theme):
    from agentsh.tui.widgets.messages import NoticeLine

    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = theme
        warning = NoticeLine("memory consolidation failed", "warning")
        await app.transcript.add(warning)
        await pilot.pause()
        _, ground = warning.background_colors
        assert _contrast(warning.styles.color, ground) >= 3, (theme, warning.styles.color.hex, ground.hex)


LISTING = "The folder holds:\nREADME.md\nsetup.py\nagentsh/\n\nThat is all."


@pytest.mark.parametrize("streamed", [False, True], ids=["finished", "streaming"])
async def test_quoted_command_output_keeps_its_lines_in_an_answer(home, streamed):
    session = scripted_session(home, ScriptedModel(LISTING))
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        if streamed:
            from agentsh.tui.widgets.answer import StreamingAnswer

            answer = StreamingAnswer()
            await app.transcript.mount(answer)
            answer.write(LISTING)
            await wait_for(pilot, lambda: "README.md" in screen_text(app), what="the streamed listing")
        else:
            await send(pilot, "what is in the folder?")
        lines = [line.strip() for line in screen_text(app).splitlines()]
        start = lines.index("The folder holds:")
        assert lines[start : start + 4] == ["The folder holds:", "README.md", "setup.py", "agentsh/"], lines


async def test_while_a_slow_plugin_imports_at_start_the_header_names_it_and_keys_echo(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow_weather.py").write_text("import time\ntime.sleep(2)\n")
    settings = Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins], memory={"consolidate": False})
    app = AgentshApp(lambda: Session.open(settings))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "importing plugin slow_weather.py" in screen_text(app), what="the plugin named")
        await pilot.press("h", "i")
        await wait_for(pilot, lambda: "hi" in app.prompt.text, what="the keys echoed while it imports")
        await wait_for(pilot, lambda: "ready" in screen_text(app), timeout=15, what="the session open")
        assert "importing plugin" not in screen_text(app)


async def test_a_finished_tool_block_title_keeps_its_duration_at_80_columns(home):
    from agentsh.tui.widgets.tool_block import ToolBlock

    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        block = ToolBlock("call_1", "delegate", {"worker": "researcher", "task": "find key value stores and compare them"})
        await app.transcript.add(block, follow=True)
        block.finish(True, "done", 37)
        await wait_for(pilot, lambda: "· 37 ms" in screen_text(app), what="the duration in the title")
        [title] = [line for line in screen_text(app).splitlines() if "delegate(" in line]
        assert title.rstrip(" ▁▂▃▄▅▆▇█").endswith("…) · 37 ms"), title


async def test_a_turns_footer_stays_under_its_answer_when_a_command_ran_meanwhile(home):
    from agentsh.models.scripted import Reply
    from agentsh.tui.widgets.messages import CommandOutput
    from agentsh.tui.widgets.turn_cost import TurnFooter

    app = make_app(scripted_session(home, ScriptedModel(Reply("a slow answer " * 20, chunk=10, pause=0.05))))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.prompt.set_text("hello")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "a slow answer" in screen_text(app), what="the answer streaming")
        app.prompt.set_text("/status")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(of_type(app, CommandOutput)), what="the command's output")
        await wait_for(pilot, lambda: bool(of_type(app, TurnFooter)) and not app.runner.busy, what="the turn's end")
        children = list(app.transcript.children)
        assert children.index(of_type(app, TurnFooter)[0]) < children.index(of_type(app, CommandOutput)[0])


async def test_a_turn_interrupted_before_any_text_does_not_claim_a_partial_answer_was_kept(home):
    from agentsh.models.scripted import Reply

    app = make_app(scripted_session(home, ScriptedModel(Reply("never seen", delay=30))))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press(*"hello", "enter")
        await wait_for(pilot, lambda: app.runner.sending, what="the turn running")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "interrupted" in screen_text(app) and not app.runner.busy, what="the interruption")
        screen = screen_text(app)
        assert "interrupted before any answer" in screen and "partial answer was kept" not in screen, screen
