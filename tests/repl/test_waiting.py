"""The wait for a model's first byte, as the REPL shows it: a status line rewritten in place on a
terminal, erased by the answer; a line every ten seconds where nothing can be rewritten."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from agentsh.config import Settings
from agentsh.events import TextDelta, Usage, Waiting
from agentsh.models.litellm import load_litellm
from agentsh.repl.render import CLEAR_LINE, TranscriptPrinter
from agentsh.session import Session

from fakeserver import PROFILES, FakeOpenAIServer, Reply

ANSWER = "Paris is the capital of France."


@pytest.fixture
def slow_server(monkeypatch):
    """A llama-server whose first byte comes after 1.3 s: one report of the wait, at 1 s."""
    load_litellm()  # imported before the turn, as the REPL's warm-up does: the turn waits only for the server
    with FakeOpenAIServer() as server:
        server.profile = replace(PROFILES["llama-server"], first_byte_delay=1.3)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-repl")
        yield server


async def test_on_a_terminal_the_wait_is_a_status_line_the_answer_replaces(home, drive, slow_server):
    slow_server.enqueue(Reply(text=ANSWER))
    settings = Settings(home=home, model="openai/fake-model", stream_idle_timeout=0.3, memory={"consolidate": False})
    repl = await drive(Session.open(settings), live=True)

    printed = await repl.submit("What is the capital of France?")

    assert f"… waiting for the model: 1 s{CLEAR_LINE}{ANSWER}\n" in printed, repr(printed)
    assert "stalled" not in printed and slow_server.hits == 1


def test_where_no_line_can_be_rewritten_the_wait_is_a_line_every_ten_seconds():
    out = io.StringIO()
    printer = TranscriptPrinter(out)
    for wait in (range(1, 24), range(1, 12)):  # two model calls, with their usage between
        for seconds in wait:
            printer.show(Waiting(seconds=seconds, model="openai/m", agent="researcher" if len(wait) < 20 else None))
        printer.show(Usage(model="openai/m"))
    printer.show(TextDelta(delta="done"))

    assert out.getvalue() == (
        "· waiting for the model: 10 s\n· waiting for the model: 20 s\n· waiting for the model (researcher): 10 s\ndone"
    )
