"""Start-up order: no garbage collection until the session is on screen; background work
(litellm's import, the full history) only once the newest page has been drawn."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from agentsh.config import Settings
from agentsh.messages import Message
from agentsh.models.scripted import ScriptedModel
from agentsh.models.warmup import Warmup
from agentsh.session import Session
from agentsh.tui import collector
from agentsh.tui.widgets.answer import AssistantMessage
from agentsh.tui.widgets.messages import UserMessage
from agentsh.tui.widgets.transcript import PAGE

from helpers import scripted_session
from tui_support import SIZE, make_app, ready, screen_text


@pytest.fixture
def collection_restored():
    """Whatever a test does to the collector, the next test finds it on and nothing frozen."""
    yield
    collector.resume()
    gc.unfreeze()
    gc.enable()


def test_pause_then_resume_freezes_what_start_up_built_and_collects_again(collection_restored):
    collector.pause()
    assert not gc.isenabled()
    built = [object() for _ in range(10)]
    collector.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


def test_resume_leaves_a_collector_it_did_not_pause_alone(collection_restored):
    gc.disable()
    collector.pause()  # someone else turned it off: not ours to turn back on
    collector.resume()
    assert not gc.isenabled()


async def test_the_app_collects_again_once_the_session_is_on_screen(home, collection_restored):
    collector.pause()
    app = make_app(scripted_session(home, ScriptedModel("hi")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert gc.isenabled()


async def test_litellm_starts_loading_only_once_the_newest_page_is_drawn(home):
    stored = scripted_session(home, ScriptedModel("hi"))
    stored.store.insert(stored.record)
    stored.store.add_messages(stored.id, [Message(role="user", content="hello"), Message(role="assistant", content="NEWEST-ANSWER")])
    session = Session.open(Settings(home=home, memory={"consolidate": False}), resume=stored.id)
    on_screen_when_started = []

    def needed(model) -> bool:
        on_screen_when_started.append("NEWEST-ANSWER" in screen_text(app))
        return False

    app = make_app(session, warmup=Warmup(needed=needed))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
    assert on_screen_when_started == [True]


def test_the_app_paints_before_the_core_s_models_are_built():
    """Settings, events and messages are pydantic models (~100 ms to build): the opening thread loads them."""
    code = "import sys, agentsh.tui.app; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic' or m in CORE))"
    core = "{'agentsh.config', 'agentsh.events', 'agentsh.messages', 'agentsh.models.base', 'agentsh.session'}"
    done = subprocess.run([sys.executable, "-c", f"CORE = {core}; {code}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_a_long_session_opens_with_a_screenful_of_its_newest_messages(home):
    stored = scripted_session(home, ScriptedModel("hi"))
    stored.store.insert(stored.record)
    long_answer = "\n\n".join(f"paragraph {n} of a long answer" for n in range(8))
    pairs = [[Message(role="user", content=f"question {i}"), Message(role="assistant", content=f"{long_answer}\n\nanswer {i}")] for i in range(60)]
    stored.store.add_messages(stored.id, [message for pair in pairs for message in pair])
    app = make_app(Session.open(Settings(home=home, memory={"consolidate": False}), resume=stored.id))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert "answer 59" in screen_text(app)
        shown = [child for child in app.transcript.children if isinstance(child, UserMessage | AssistantMessage)]
        assert len(shown) < PAGE, "no more than about a screenful is drawn before the session is ready"
        assert app.transcript.virtual_size.height > app.transcript.size.height, "the screen is full"
