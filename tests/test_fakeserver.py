"""Self-tests for tests/fakeserver.py: what it sends on the wire, read with httpx.

These tests state the server's own contract (JSON bodies, SSE events, how a stream is cut or
stalled at the HTTP level), so they do not change when an API client changes which exception
it wraps a transport failure in.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # works with or without tests/__init__.py / conftest
    sys.path.insert(0, _HERE)
from fakeserver import PROFILES, PROSE, FakeOpenAIServer, Profile, Reply  # noqa: E402

MSGS = [{"role": "user", "content": "hi"}]
AUTH = {"Authorization": "Bearer sk-test"}


@pytest.fixture
def server():
    with FakeOpenAIServer() as srv:
        yield srv


@dataclass
class Wire:
    """One streamed answer as it arrived: the parsed events, and how the body ended."""

    events: list[dict] = field(default_factory=list)
    done: bool = False
    transport_error: httpx.TransportError | None = None
    headers: httpx.Headers | None = None

    def text(self) -> str:
        return "".join(e["choices"][0]["delta"].get("content") or "" for e in self.events if e["choices"])

    def finish_reasons(self) -> list[str]:
        return [e["choices"][0]["finish_reason"] for e in self.events if e["choices"] and e["choices"][0]["finish_reason"]]


def post(srv: FakeOpenAIServer, **body) -> httpx.Response:
    return httpx.post(srv.base_url + "/chat/completions", json={"model": "m", "messages": MSGS, **body}, headers=AUTH, timeout=5)


def stream(srv: FakeOpenAIServer, timeout: float = 5, **body) -> Wire:
    wire = Wire()
    payload = {"model": "m", "messages": MSGS, "stream": True, **body}
    try:
        with httpx.stream("POST", srv.base_url + "/chat/completions", json=payload, headers=AUTH, timeout=timeout) as response:
            wire.headers = response.headers
            for line in response.iter_lines():
                _take(wire, line)
    except httpx.TransportError as error:
        wire.transport_error = error
    return wire


def _take(wire: Wire, line: str) -> None:
    if not line.startswith("data: "):
        assert line == "", f"unexpected SSE line {line!r}"
        return
    data = line[len("data: "):]
    if data == "[DONE]":
        wire.done = True
    else:
        wire.events.append(json.loads(data))


def test_non_streaming_text_and_recording(server):
    server.enqueue(Reply(text="hello there"))
    body = post(server).json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "m"
    message = body["choices"][0]["message"]
    assert (message["role"], message["content"]) == ("assistant", "hello there")
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["total_tokens"] == 15
    assert server.hits == 1
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer sk-test"
    assert server.last_body["messages"] == MSGS


def test_non_streaming_tool_calls(server):
    server.enqueue(Reply(tool_calls=[{"name": "ls", "arguments": {"path": "/tmp"}}, {"name": "x", "arguments": "{}", "id": "abc"}]))
    choice = post(server).json()["choices"][0]
    message = choice["message"]
    assert message["content"] is None
    assert choice["finish_reason"] == "tool_calls"
    assert [tc["function"]["name"] for tc in message["tool_calls"]] == ["ls", "x"]
    assert all(tc["type"] == "function" for tc in message["tool_calls"])
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"path": "/tmp"}
    assert message["tool_calls"][0]["id"].startswith("call_")
    assert message["tool_calls"][1]["id"] == "abc"


def _call(call_id: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": "ls", "arguments": "{}"}}


def _result(call_id: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": "ok"}


STRICT_HISTORIES = {
    "duplicate id": [{"role": "assistant", "content": None, "tool_calls": [_call("a"), _call("a")]}, _result("a"), _result("a")],
    "unanswered call": [{"role": "assistant", "content": None, "tool_calls": [_call("a"), _call("b")]}, _result("a"), {"role": "user", "content": "?"}],
    "orphan result": [{"role": "assistant", "content": "hi"}, _result("a")],
    "id reused later": [
        {"role": "assistant", "content": None, "tool_calls": [_call("a")]}, _result("a"),
        {"role": "assistant", "content": None, "tool_calls": [_call("a")]}, _result("a"),
    ],
}


@pytest.mark.parametrize("history", STRICT_HISTORIES)
def test_strict_server_refuses_what_openai_refuses(server, history):
    server.default_reply = Reply(text="fine")
    server.strict = True
    response = httpx.post(server.base_url + "/chat/completions", json={"model": "m", "messages": [*MSGS, *STRICT_HISTORIES[history]]}, timeout=5)
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"
    good = [*MSGS, {"role": "assistant", "content": None, "tool_calls": [_call("a"), _call("b")]}, _result("b"), _result("a")]
    assert httpx.post(server.base_url + "/chat/completions", json={"model": "m", "messages": good}, timeout=5).status_code == 200


def test_empty_queue_500_default_reply_and_404(server):
    response = post(server)
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "fake server: no scripted reply"

    server.default_reply = Reply(text="again")
    for _ in range(2):
        assert post(server).json()["choices"][0]["message"]["content"] == "again"

    r = httpx.get(server.base_url + "/files")  # /models lists the models (see below)
    assert r.status_code == 404 and "error" in r.json()
    # the bare /chat/completions route works too
    r = httpx.post(server.base_url[: -len("/v1")] + "/chat/completions", json={"model": "m", "messages": MSGS})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] == "again"
    assert server.hits == 5


def test_streaming_text_with_usage(server):
    server.enqueue(Reply(text="The quick brown fox", chunk_size=3))
    wire = stream(server, stream_options={"include_usage": True})
    assert wire.headers["content-type"].startswith("text/event-stream")
    assert wire.events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(e["object"] == "chat.completion.chunk" for e in wire.events)
    assert wire.text() == "The quick brown fox"
    assert len(wire.events) == 1 + 7 + 1 + 1  # role, 7 pieces of 3 characters, finish, usage
    assert wire.finish_reasons() == ["stop"]
    assert wire.events[-1]["choices"] == [] and wire.events[-1]["usage"]["total_tokens"] == 15
    assert wire.done and wire.transport_error is None


def test_streaming_tool_calls_reassemble(server):
    args = {"command": "echo hi && ls -la", "timeout": 30}
    server.enqueue(Reply(text="ok", tool_calls=[{"name": "bash", "arguments": args}, {"name": "noop", "arguments": {}}]))
    wire = stream(server)
    calls: dict[int, dict] = {}
    arg_pieces = 0
    for event in wire.events:
        for tc in event["choices"][0]["delta"].get("tool_calls") or []:
            entry = calls.setdefault(tc["index"], {"id": None, "name": "", "arguments": ""})
            entry["id"] = tc.get("id") or entry["id"]
            entry["name"] += tc.get("function", {}).get("name") or ""
            piece = tc.get("function", {}).get("arguments") or ""
            entry["arguments"] += piece
            arg_pieces += bool(piece)
    assert calls[0]["name"] == "bash" and json.loads(calls[0]["arguments"]) == args
    assert calls[1]["name"] == "noop" and json.loads(calls[1]["arguments"]) == {}
    assert calls[0]["id"] != calls[1]["id"]
    assert arg_pieces > 5  # arguments were split across several chunks
    assert wire.finish_reasons() == ["tool_calls"] and wire.done


def test_429_with_retry_after(server):
    server.enqueue(Reply(status=429, error_message="slow down", headers={"Retry-After": "1"}))
    response = post(server)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    error = response.json()["error"]
    assert error["message"] == "slow down"
    assert error["type"] == "rate_limit_error"
    assert error["code"] == "rate_limit_exceeded"


def test_cut_after_abrupt_has_no_finish(server):
    server.enqueue(Reply(text="abcdefghijklmnop", cut_after=2))
    wire = stream(server)
    assert wire.text() == "abcdefgh"
    assert wire.finish_reasons() == [] and not wire.done
    # the chunked body never ended: the client sees a broken transfer, not an end of stream
    assert isinstance(wire.transport_error, httpx.RemoteProtocolError)


def test_cut_after_clean_ends_silently_without_finish(server):
    server.enqueue(Reply(text="abcdefghijklmnop", cut_after=2, cut_mode="clean"))
    wire = stream(server)
    assert len(wire.events) == 3  # role chunk + 2 content chunks
    assert wire.finish_reasons() == [] and not wire.done
    assert wire.transport_error is None  # the HTTP body ended properly


def test_stall_after_ends(server):
    server.enqueue(Reply(text="abcdefgh", stall_after=1, stall_seconds=0.5))
    t0 = time.monotonic()
    wire = stream(server)
    assert 0.4 < time.monotonic() - t0 < 3
    assert [e["choices"][0]["delta"]["content"] for e in wire.events] == ["", "abcd"]
    assert isinstance(wire.transport_error, httpx.RemoteProtocolError) and not wire.done


def test_stop_returns_promptly_during_stall():
    srv = FakeOpenAIServer().start()
    srv.enqueue(Reply(text="abcdefgh", stall_after=1, stall_seconds=30))
    outcome: dict = {}
    first_event = threading.Event()

    def consume():
        payload = {"model": "m", "messages": MSGS, "stream": True}
        try:
            with httpx.stream("POST", srv.base_url + "/chat/completions", json=payload, timeout=10) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        first_event.set()
        except httpx.TransportError as error:
            outcome["error"] = error
        outcome["done"] = True

    th = threading.Thread(target=consume, daemon=True)
    th.start()
    assert first_event.wait(3)
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 1
    th.join(2)
    assert outcome.get("done")  # the client was released too


def test_the_llama_cpp_python_profile_refuses_json_schema_as_that_server_does():
    with FakeOpenAIServer() as srv:
        srv.profile = PROFILES["llama-cpp-python"]
        srv.default_reply = Reply(text="{}")
        url = srv.base_url + "/chat/completions"
        schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
        refused = httpx.post(url, json={"model": "m", "messages": [], "response_format": schema}, timeout=10)
        plain = httpx.post(url, json={"model": "m", "messages": [], "response_format": {"type": "json_object"}}, timeout=10)
    assert refused.status_code == 500
    assert "Input should be 'text' or 'json_object'" in refused.json()["error"]["message"]
    assert plain.status_code == 200


def test_models_are_listed_as_openai_lists_them_and_as_ollama_does_under_its_profile(server):
    server.listed_models = ["qwen2.5-0.5b-instruct", "llama3.2:latest"]
    openai = httpx.get(server.base_url + "/models", timeout=10)
    no_tags = httpx.get(f"http://127.0.0.1:{server.port}/api/tags", timeout=10)
    server.profile = PROFILES["ollama"]
    tags = httpx.get(f"http://127.0.0.1:{server.port}/api/tags", timeout=10)

    assert [m["id"] for m in openai.json()["data"]] == ["qwen2.5-0.5b-instruct", "llama3.2:latest"]
    assert openai.json()["object"] == "list"
    assert no_tags.status_code == 404  # an OpenAI-compatible server is not an Ollama
    assert [m["name"] for m in tags.json()["models"]] == ["qwen2.5-0.5b-instruct", "llama3.2:latest"]


def _first_byte_times(srv: FakeOpenAIServer) -> tuple[float, float]:
    """Seconds until a streamed answer's headers, and until its first event."""
    started = time.monotonic()
    payload = {"model": "m", "messages": MSGS, "stream": True}
    with httpx.stream("POST", srv.base_url + "/chat/completions", json=payload, timeout=10) as response:
        headers = time.monotonic() - started
        next(line for line in response.iter_lines() if line.startswith("data: "))
        return headers, time.monotonic() - started


@pytest.mark.parametrize("early_headers", [True, False])
def test_a_slow_first_byte_delays_the_first_chunk_and_the_headers_only_when_asked(early_headers):
    with FakeOpenAIServer() as srv:
        srv.profile = Profile(first_byte_delay=0.5, early_headers=early_headers)
        srv.default_reply = Reply(text="late")
        headers, first = _first_byte_times(srv)
    assert 0.5 <= first < 3
    assert (headers < 0.4) if early_headers else (headers >= 0.5)


def test_stop_interrupts_a_slow_first_byte():
    srv = FakeOpenAIServer().start()
    srv.profile = Profile(first_byte_delay=30, early_headers=True)
    srv.default_reply = Reply(text="never")
    outcome: dict = {}

    def consume():
        try:
            _first_byte_times(srv)
        except (httpx.TransportError, StopIteration) as error:
            outcome["error"] = error

    th = threading.Thread(target=consume, daemon=True)
    th.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    srv.stop()
    th.join(3)
    assert time.monotonic() - t0 < 2 and not th.is_alive() and "error" in outcome


def test_a_template_that_cannot_render_the_roles_answers_a_500_of_several_lines():
    with FakeOpenAIServer() as srv:
        srv.profile = Profile(chat_template_error=True)
        srv.default_reply = Reply(text="fine")
        url = srv.base_url + "/chat/completions"
        twice = [{"role": "system", "content": "s"}, {"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
        refused = httpx.post(url, json={"model": "m", "messages": twice}, timeout=10)
        alternating = httpx.post(url, json={"model": "m", "messages": twice[:2]}, timeout=10)
    assert refused.status_code == 500
    message = refused.json()["error"]["message"]
    assert message.startswith("Conversation roles must alternate") and message.count("\n") >= 3
    assert alternating.status_code == 200


def _post(srv, body: dict) -> dict:
    return httpx.post(srv.base_url + "/chat/completions", json={"model": "m", "messages": [], **body}, timeout=10).json()


CALCULATOR = {"type": "function", "function": {"name": "calculator", "parameters": {"type": "object", "properties": {}}}}


def test_the_llama_cpp_python_profile_ignores_tools_offered_without_tool_choice():
    with FakeOpenAIServer() as srv:
        srv.profile = PROFILES["llama-cpp-python"]
        srv.default_reply = Reply(text="I would use the calculator.", tool_calls=[{"name": "calculator", "arguments": {}}])
        ignored = _post(srv, {"tools": [CALCULATOR]})["choices"][0]
        used = _post(srv, {"tools": [CALCULATOR], "tool_choice": "auto"})["choices"][0]
    assert ignored["message"].get("tool_calls") is None and ignored["finish_reason"] == "stop"
    assert ignored["message"]["content"] == "I would use the calculator."
    assert used["message"]["tool_calls"][0]["function"]["name"] == "calculator" and used["finish_reason"] == "tool_calls"


def test_the_schema_prose_profile_follows_the_schema_and_writes_prose_in_free_text():
    schema = {
        "type": "object",
        "properties": {
            "agent": {"type": "string", "default": "assistant"},
            "route": {"type": "string", "enum": ["coder", "writer"]},
            "count": {"type": "integer", "minimum": 2},
            "tasks": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}},
        },
    }
    with FakeOpenAIServer() as srv:
        srv.profile = PROFILES["schema-prose"]
        srv.default_reply = Reply(text="scripted")
        answer = _post(srv, {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}})
        plain = _post(srv, {})
        tool = {"type": "function", "function": {"name": "remember", "parameters": {
            "type": "object", "properties": {"text": {"type": "string"}, "kind": {"type": "string", "default": "fact"}}}}}
        srv.default_reply = Reply(tool_calls=[{"name": "remember"}])
        called = _post(srv, {"tools": [tool]})
    assert json.loads(answer["choices"][0]["message"]["content"]) == {
        "agent": PROSE, "route": "coder", "count": 2, "tasks": [{"id": PROSE}],
    }
    assert plain["choices"][0]["message"]["content"] == "scripted"
    arguments = json.loads(called["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    assert arguments == {"text": PROSE, "kind": PROSE}


def test_the_llama_server_profile_cuts_every_answer_at_its_token_cap_with_finish_reason_length():
    with FakeOpenAIServer() as srv:
        srv.profile = PROFILES["llama-server"]
        srv.enqueue(Reply(text="x" * 5000), Reply(text="short"), Reply(tool_calls=[{"name": "t", "arguments": {"a": "y" * 4000}}]))
        url = srv.base_url + "/chat/completions"
        long, short, call = (httpx.post(url, json={"model": "m", "messages": MSGS}, timeout=10).json()["choices"][0] for _ in range(3))
    cap = PROFILES["llama-server"].cap_tokens * 4
    assert (long["message"]["content"], long["finish_reason"]) == ("x" * cap, "length")
    assert (short["message"]["content"], short["finish_reason"]) == ("short", "stop")
    arguments = call["message"]["tool_calls"][0]["function"]["arguments"]
    assert len(arguments) == cap and call["finish_reason"] == "length"


def test_the_stop_string_profile_answers_its_first_request_with_nothing_at_all():
    with FakeOpenAIServer() as srv:
        srv.profile = PROFILES["stop-string"]
        srv.default_reply = Reply(text="hello", tool_calls=[{"name": "t", "arguments": {}}])
        url = srv.base_url + "/chat/completions"
        first, second = (httpx.post(url, json={"model": "m", "messages": MSGS}, timeout=10).json()["choices"][0] for _ in range(2))
    assert (first["message"]["content"], first["message"].get("tool_calls"), first["finish_reason"]) == ("", None, "stop")
    assert second["message"]["content"] == "hello" and second["message"]["tool_calls"]
