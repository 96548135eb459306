"""Every mode completes a turn through the real litellm path, against the local fake server."""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.events import Step, TurnDone
from agentsh.modes import mode_names
from agentsh.session import Session

from fakeserver import Reply


@pytest.mark.parametrize("mode", mode_names())
async def test_mode_answers_through_litellm(mode, fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.default_reply = Reply(text="Final Answer: the answer is 42")
    session = Session.open(Settings(home=tmp_path, model="openai/fake-model", mode=mode, retries=0))
    events = [e async for e in session.send("what is 6*7?")]
    done = events[-1]
    assert isinstance(done, TurnDone) and not done.failed, [e for e in events if e.type == "error"]
    assert "42" in done.output
    assert fake_server.hits == done.model_calls >= 1
    if mode not in ("chat", "tools", "react"):
        assert any(isinstance(e, Step) for e in events)
