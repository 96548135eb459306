"""Case 33: quitting the TUI keeps what was typed or queued but not sent.

Ctrl+Q during a slow turn with two messages waiting behind it, and text in the input: the app
quits at once (the running turn is saved, interrupted, as before), and the next time the
session is opened (`agentsh -c`) the two queued messages and the typed text are back in the
input, in order. Once sent, a draft does not come back; a new session that was only typed in
is kept for its draft. SIGTERM and SIGHUP quit the same way (case 31).
"""

from __future__ import annotations

import asyncio
import time

from agentsh.config import Settings
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.models.warmup import Warmup
from agentsh.session import Session
from agentsh.tui.app import AgentshApp
from agentsh.tui.widgets.answer import StreamingAnswer
from agentsh.tui.widgets.messages import UserMessage

from helpers import scripted_session

SIZE = (100, 32)
BOUND = 10.0


def app_on(opener) -> AgentshApp:
    return AgentshApp(opener, warmup=Warmup(needed=lambda model: False))


def reopened(home) -> AgentshApp:
    """`agentsh -c`: the latest session."""
    def opener() -> Session:
        session = Session.open(Settings(home=home, model="offline", memory={"consolidate": False}), latest=True)
        session.model = ScriptedModel(default="fine")
        return session

    return app_on(opener)


async def until(pilot, condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def send(pilot, text: str) -> None:
    pilot.app.prompt.set_text(text)
    await pilot.press("enter")


async def test_case33_queued_messages_and_typed_text_come_back_after_ctrl_q(home):
    session = scripted_session(home, ScriptedModel(Reply(text="slow " * 500, chunk=5, pause=0.02)))
    app = app_on(lambda: session)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        await send(pilot, "first")
        await until(pilot, lambda: app.transcript.query(StreamingAnswer), "the slow answer")
        await send(pilot, "second, queued")
        await send(pilot, "third, queued")
        app.prompt.set_text("and this, typed")
        assert len(app.runner.queue) == 2
        started = time.monotonic()
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to quit")
    assert time.monotonic() - started < 3, "quitting waited"
    stored = session.store.messages(session.id)
    assert [m.content for m in stored if m.role == "user"] == ["first"] and stored[-1].interrupted

    app = reopened(home)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        await until(pilot, lambda: app.prompt.text, "the draft")
        assert app.prompt.text == "second, queued\n\nthird, queued\n\nand this, typed"
        await pilot.press("enter")
        await until(pilot, lambda: not app.runner.busy and len(app.transcript.query(UserMessage)) == 2, "the turn")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to quit")

    app = reopened(home)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        await pilot.pause(0.2)
        assert app.prompt.text == "", "a sent draft came back"


async def test_case33_a_new_session_only_typed_in_is_kept_for_its_draft(home):
    session = scripted_session(home, ScriptedModel(default="ok"))
    app = app_on(lambda: session)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        app.prompt.set_text("half a thought")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app to quit")

    app = reopened(home)
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        await until(pilot, lambda: app.prompt.text, "the draft")
        assert app.prompt.text == "half a thought"
