"""Self-tests for tests/fakeserver.py, driven through the real ``openai`` client."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import httpx
import openai
import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # works with or without tests/__init__.py / conftest
    sys.path.insert(0, _HERE)
from fakeserver import FakeOpenAIServer, Reply  # noqa: E402

MSGS = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


def client_for(srv: FakeOpenAIServer, **kw) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    kw.setdefault("timeout", 5)
    return openai.OpenAI(base_url=srv.base_url, api_key="sk-test", **kw)


def collect(stream) -> list:
    chunks = []
    for c in stream:
        chunks.append(c)
    return chunks


def test_non_streaming_text_and_recording(server):
    server.enqueue(Reply(text="hello there"))
    resp = client_for(server).chat.completions.create(model="fake-model", messages=MSGS)
    assert resp.object == "chat.completion"
    assert resp.model == "fake-model"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == "hello there"
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.total_tokens == 15
    assert server.hits == 1
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer sk-test"
    assert server.last_body["messages"] == MSGS


def test_non_streaming_tool_calls(server):
    server.enqueue(Reply(tool_calls=[{"name": "ls", "arguments": {"path": "/tmp"}}, {"name": "x", "arguments": "{}", "id": "abc"}]))
    resp = client_for(server).chat.completions.create(model="m", messages=MSGS)
    msg = resp.choices[0].message
    assert msg.content is None
    assert resp.choices[0].finish_reason == "tool_calls"
    assert [tc.function.name for tc in msg.tool_calls] == ["ls", "x"]
    assert json.loads(msg.tool_calls[0].function.arguments) == {"path": "/tmp"}
    assert msg.tool_calls[0].id.startswith("call_")
    assert msg.tool_calls[1].id == "abc"


def test_empty_queue_500_default_reply_and_404(server):
    c = client_for(server)
    with pytest.raises(openai.InternalServerError) as ei:
        c.chat.completions.create(model="m", messages=MSGS)
    assert ei.value.status_code == 500
    assert ei.value.body["message"] == "fake server: no scripted reply"

    server.default_reply = Reply(text="again")
    for _ in range(2):
        assert c.chat.completions.create(model="m", messages=MSGS).choices[0].message.content == "again"

    r = httpx.get(server.base_url + "/models")
    assert r.status_code == 404 and "error" in r.json()
    # the bare /chat/completions route works too
    r = httpx.post(server.base_url[: -len("/v1")] + "/chat/completions", json={"model": "m", "messages": MSGS})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "again"
    assert server.hits == 5


def test_streaming_text_with_usage(server):
    server.enqueue(Reply(text="The quick brown fox", chunk_size=3))
    stream = client_for(server).chat.completions.create(
        model="m", messages=MSGS, stream=True, stream_options={"include_usage": True}
    )
    chunks = collect(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "The quick brown fox"
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finish == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 15


def test_streaming_tool_calls_reassemble(server):
    args = {"command": "echo hi && ls -la", "timeout": 30}
    server.enqueue(Reply(text="ok", tool_calls=[{"name": "bash", "arguments": args}, {"name": "noop", "arguments": {}}]))
    chunks = collect(client_for(server).chat.completions.create(model="m", messages=MSGS, stream=True))
    calls: dict[int, dict] = {}
    arg_pieces = 0
    for c in chunks:
        for tc in c.choices[0].delta.tool_calls or []:
            entry = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
            if tc.id:
                entry["id"] = tc.id
            if tc.function and tc.function.name:
                entry["name"] += tc.function.name
            if tc.function and tc.function.arguments:
                entry["arguments"] += tc.function.arguments
                arg_pieces += 1
    assert calls[0]["name"] == "bash" and json.loads(calls[0]["arguments"]) == args
    assert calls[1]["name"] == "noop" and json.loads(calls[1]["arguments"]) == {}
    assert calls[0]["id"] != calls[1]["id"]
    assert arg_pieces > 5  # arguments were split across several chunks
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_429_with_retry_after(server):
    server.enqueue(Reply(status=429, error_message="slow down", headers={"Retry-After": "1"}))
    with pytest.raises(openai.RateLimitError) as ei:
        client_for(server).chat.completions.create(model="m", messages=MSGS)
    e = ei.value
    assert e.status_code == 429
    assert e.response.headers["retry-after"] == "1"
    assert e.body["message"] == "slow down"
    assert e.body["type"] == "rate_limit_error"


def test_cut_after_abrupt_has_no_finish(server):
    server.enqueue(Reply(text="abcdefghijklmnop", cut_after=2))
    got = []
    with pytest.raises(httpx.RemoteProtocolError):
        for c in client_for(server).chat.completions.create(model="m", messages=MSGS, stream=True):
            got.append(c)
    assert "".join(c.choices[0].delta.content or "" for c in got) == "abcdefgh"
    assert all(c.choices[0].finish_reason is None for c in got)


def test_cut_after_clean_ends_silently_without_finish(server):
    server.enqueue(Reply(text="abcdefghijklmnop", cut_after=2, cut_mode="clean"))
    got = collect(client_for(server).chat.completions.create(model="m", messages=MSGS, stream=True))
    assert len(got) == 3  # role chunk + 2 content chunks
    assert all(c.choices[0].finish_reason is None for c in got)


def test_stall_after_ends(server):
    server.enqueue(Reply(text="abcdefgh", stall_after=1, stall_seconds=0.5))
    t0 = time.monotonic()
    got = []
    with pytest.raises(httpx.RemoteProtocolError):
        for c in client_for(server).chat.completions.create(model="m", messages=MSGS, stream=True):
            got.append(c)
    assert 0.4 < time.monotonic() - t0 < 3
    assert [c.choices[0].delta.content for c in got] == ["", "abcd"]


def test_stop_returns_promptly_during_stall():
    srv = FakeOpenAIServer().start()
    srv.enqueue(Reply(text="abcdefgh", stall_after=1, stall_seconds=30))
    first_chunk = threading.Event()
    outcome: dict = {}

    def consume():
        try:
            for _ in client_for(srv, timeout=10).chat.completions.create(model="m", messages=MSGS, stream=True):
                first_chunk.set()
        except Exception as exc:  # noqa: BLE001
            outcome["exc"] = exc
        outcome["done"] = True

    th = threading.Thread(target=consume, daemon=True)
    th.start()
    assert first_chunk.wait(3)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 1
    th.join(2)
    assert outcome.get("done")  # client was released too
