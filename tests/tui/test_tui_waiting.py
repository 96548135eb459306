"""The wait for a model's first byte, as the TUI shows it: in the status bar, until the answer begins."""

from __future__ import annotations

from dataclasses import replace

from agentsh.config import Settings
from agentsh.models.litellm import load_litellm
from agentsh.session import Session
from agentsh.tui.widgets.answer import AssistantMessage

from fakeserver import PROFILES, FakeOpenAIServer, Reply
from tui_support import SIZE, make_app, of_type, ready, screen_text, wait_for

ANSWER = "Paris is the capital of France."


async def test_the_status_bar_counts_the_wait_for_the_first_byte_until_the_answer_begins(home, monkeypatch):
    load_litellm()  # as the app's warm-up does: the turn waits only for the server
    with FakeOpenAIServer() as server:
        server.profile = replace(PROFILES["llama-server"], first_byte_delay=2.3)
        server.enqueue(Reply(text=ANSWER, chunk_size=4, chunk_delay=0.15))
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-tui")
        settings = Settings(home=home, model="openai/fake-model", stream_idle_timeout=1.0, memory={"consolidate": False})
        app = make_app(Session.open(settings))
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            app.prompt.set_text("What is the capital of France?")
            await pilot.press("enter")
            await wait_for(pilot, lambda: "waiting for the model: 1 s" in screen_text(app), what="the first report")
            await wait_for(pilot, lambda: "waiting for the model: 2 s" in screen_text(app), what="the report a second later")
            await wait_for(pilot, lambda: "Paris" in screen_text(app), what="the answer streaming")
            screen = screen_text(app)
            assert app.runner.busy and "running" in screen and "waiting for the model" not in screen, screen
            await wait_for(pilot, lambda: not app.runner.busy, timeout=10, what="the end of the turn")
            await pilot.pause()
            screen = screen_text(app)
            assert "waiting for the model" not in screen and "ready" in screen
            assert [m.source for m in of_type(app, AssistantMessage)] == [ANSWER]
            assert server.hits == 1
