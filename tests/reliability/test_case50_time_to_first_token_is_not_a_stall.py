"""Case 50: the wait for the first token is not a stall.

A server on a CPU reads a long prompt before it writes anything (llama-server: a minute and more
for ~4,500 tokens). Until the first byte, `first_token_timeout` applies, not the idle timeout
between chunks: the answer arrives, the prompt is sent once, and a `waiting` event reports the
wait about once a second (shown by the UIs, carried by `run --json`, never stored). A gap in the
middle of an answer is still a stall, and a first byte later than `first_token_timeout` is one
clear error, without sending the prompt again. (The timeouts here are fractions of a second.)
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

import agentsh.models.litellm as adapter
from agentsh.events import Error, TextDelta, Waiting

from fakeserver import PROFILES, Reply
from helpers import of, send

ANSWER = "Paris is the capital of France."
SLOW_SERVER = replace(PROFILES["llama-server"], first_byte_delay=0.8)  # four idle timeouts


@pytest.fixture(autouse=True)
def frequent_reports(monkeypatch):
    """Reports of the wait every 0.1 s from 0.1 s on (about once a second in use)."""
    monkeypatch.setattr(adapter, "WAITING_SHOWN_AFTER", 0.1)
    monkeypatch.setattr(adapter, "WAITING_EVERY", 0.1)


@pytest.mark.parametrize("early_headers", [True, False], ids=["headers-at-once", "headers-late"])
async def test_case50_a_slow_first_byte_is_waited_for_and_reported_not_retried(llm_session, server, early_headers):
    server.profile = replace(SLOW_SERVER, early_headers=early_headers)
    server.enqueue(Reply(text=ANSWER), Reply(text="the prompt was sent twice"))
    # request_timeout (the HTTP client's read timeout) shorter than the wait too: first_token_timeout decides
    session = llm_session(stream_idle_timeout=0.2, request_timeout=0.4, first_token_timeout=5.0)

    events = await send(session, "What is the capital of France?")

    assert of(events, Error) == [] and events[-1].output == ANSWER
    assert server.hits == 1, "the prompt is sent once"
    waits = of(events, Waiting)
    assert len(waits) >= 4, waits
    assert all(w.model == "openai/fake-model" for w in waits)
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert events.index(waits[-1]) < first_text, "no report once the answer has begun"
    stored = [row[0] for row in session.store.db.execute("SELECT type FROM events").fetchall()]
    assert stored and "waiting" not in stored, "the reports are progress, not history"


async def test_case50_a_gap_in_the_middle_of_an_answer_is_still_a_stall(llm_session, server):
    server.profile = SLOW_SERVER
    server.enqueue(Reply(text=ANSWER, chunk_size=4, stall_after=2, stall_seconds=30), Reply(text="not asked: text was shown"))
    session = llm_session(stream_idle_timeout=0.2, first_token_timeout=5.0)

    started = time.monotonic()
    events = await send(session, "What is the capital of France?")

    [error] = of(events, Error)
    assert error.message == "openai (openai/fake-model): the answer stream stalled (no data for 0.2 s)"
    assert time.monotonic() - started < 5
    assert "".join(e.delta for e in of(events, TextDelta)) == ANSWER[:8]
    assert server.hits == 1


async def test_case50_no_first_byte_within_first_token_timeout_is_one_error_and_the_prompt_is_not_sent_again(llm_session, server):
    server.profile = replace(SLOW_SERVER, first_byte_delay=30)
    server.default_reply = Reply(text="too late")
    session = llm_session(stream_idle_timeout=0.2, first_token_timeout=0.6, retries=3)

    started = time.monotonic()
    events = await send(session, "What is the capital of France?")
    elapsed = time.monotonic() - started

    [error] = of(events, Error)
    assert error.kind == "FirstTokenTimeoutError"
    assert error.message == (
        "openai (openai/fake-model): the model did not begin its answer within 0.6 s (first_token_timeout): "
        "is the server overloaded, or the prompt too long for it?"
    )
    assert 0.6 <= elapsed < 3, elapsed
    assert server.hits == 1 and events[-1].failed


def test_case50_run_json_carries_the_reports_as_events(cli, server, home, monkeypatch, tmp_path):
    server.profile = replace(SLOW_SERVER, first_byte_delay=0.5)
    server.enqueue(Reply(text=ANSWER))
    config = tmp_path / "config.toml"
    config.write_text("stream_idle_timeout = 0.2\nfirst_token_timeout = 5.0\n")
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))

    status, out, err = cli("run", "--json", "--home", str(home), "--model", "openai/fake-model", "capital?")

    assert status == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    waits = [line for line in lines if line["type"] == "waiting"]
    assert waits and set(waits[0]) == {"type", "seconds", "model", "agent"}
    assert lines[-1]["type"] == "done" and lines[-1]["output"] == ANSWER


@pytest.mark.parametrize(("text", "expected"), [
    ("first_token_timeout = 0\n", "first_token_timeout must be more than 0, not 0"),
    ('first_token_timeout = "10m"\n', 'first_token_timeout must be a number, not "10m"'),
    ("first_token_timout = 600\n", "unknown key first_token_timout (did you mean first_token_timeout?)"),
])
def test_case50_first_token_timeout_is_checked_like_every_setting(cli, workdir, monkeypatch, text, expected):
    config = workdir / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))

    status, out, err = cli("run", "--model", "offline", "hello")

    assert status == 1 and out == ""
    assert err.strip() == f"agentsh: {config}: {expected}"
