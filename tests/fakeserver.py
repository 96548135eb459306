"""A tiny scripted OpenAI-compatible chat-completions server for tests.

Stdlib only.  Tests start it on 127.0.0.1 with a random free port and point
litellm / the ``openai`` client at ``server.base_url`` so the real HTTP code
path is exercised without any network access::

    with FakeOpenAIServer() as server:
        server.enqueue(Reply(text="hello"))
        server.enqueue(Reply(tool_calls=[{"name": "ls", "arguments": {"path": "."}}]))
        ... call litellm with api_base=server.base_url, model="openai/fake-model" ...
        assert server.hits == 2
        assert server.last_body["messages"][-1]["role"] == "tool"

Each request pops one scripted :class:`Reply` from a FIFO queue.  When the
queue is empty ``server.default_reply`` is used (not consumed) if set,
otherwise the server answers 500 with an OpenAI-style error body.
``server.strict = True`` makes the server check every request's history as a strict
OpenAI-style provider does, answering 400 (``invalid_request_error``) when tool-call ids
repeat, an assistant's tool call lacks exactly one following tool result, or a tool result
answers no call.
``server.profile`` reproduces the behaviours of a real server (see :class:`Profile` and
``PROFILES``): llama-cpp-python's refusal of ``json_schema``, for one.
``GET /v1/models`` lists ``server.listed_models`` in OpenAI's format; with a profile whose
``ollama_api`` is on (``PROFILES["ollama"]``), ``GET /api/tags`` lists them as Ollama does.
``server.route``, when set, is asked first: a function of the request body
returning a :class:`Reply` (used, nothing consumed) or ``None`` (fall through
to the queue) — for replies that depend on what was asked.

Streaming responses use HTTP/1.1 chunked transfer encoding (like the real
API).  A ``cut_after`` stream is dropped *abruptly* by default: the socket is
closed without the terminating zero-length chunk, so httpx raises
``httpx.RemoteProtocolError`` ("incomplete chunked read") on the client.
With ``cut_mode="clean"`` the HTTP body is terminated properly instead, so the
client sees a well-formed HTTP response whose SSE stream simply lacks the
finish_reason chunk and ``data: [DONE]``.

Run manually::

    python tests/fakeserver.py --port 0 --text "hello"
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["PROFILES", "PROSE", "FakeOpenAIServer", "Profile", "Reply", "prose_instance"]

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")

_DEFAULT_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
_DEFAULT_ERROR_CODES = {
    401: "invalid_api_key",
    429: "rate_limit_exceeded",
}


def _default_usage() -> dict:
    return {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@dataclass
class Reply:
    """One scripted response.

    text          assistant content.
    tool_calls    list of {"name": str, "arguments": dict|str, "id": str (optional)}.
                  Missing ids become ``call_<n>`` (n is a server-wide counter);
                  dict arguments are ``json.dumps``-ed.
    usage         usage dict; ``None`` omits usage entirely.
    finish_reason default "tool_calls" if tool_calls else "stop".
    status        HTTP status; != 200 -> OpenAI-style error body with
                  error_message / error_type / error_code and extra ``headers``.
    headers       extra response headers (for any status), e.g. {"Retry-After": "1"}.
    chunk_size    characters per streamed content delta / tool-argument piece.
    chunk_delay   seconds between streamed chunks (interruptible by stop()).
    delay         seconds to wait before sending anything (interruptible).
    cut_after     streaming: after this many content/tool chunks, drop the
                  connection (no finish_reason chunk, no [DONE]).
                  Non-streaming: close the connection without any response.
    cut_mode      "abrupt" (default): close socket mid chunked body -> client
                  transport error.  "clean": terminate the HTTP body properly;
                  the SSE stream just ends without finish/[DONE].
    stall_after   streaming: after this many content/tool chunks stop sending,
                  wait up to stall_seconds (or until stop()), then drop the
                  connection like cut_after.  Non-streaming: stall before
                  responding, then close without a response.
    model         model echoed in responses (default: the request's model).

    Only the role chunk is sent before counting starts, so ``cut_after=0``
    sends just the ``{"role": "assistant"}`` chunk.
    """

    text: str = ""
    tool_calls: list[dict] = field(default_factory=list)
    usage: dict | None = field(default_factory=_default_usage)
    finish_reason: str | None = None
    status: int = 200
    error_message: str | None = None
    error_type: str | None = None
    error_code: str | None = None
    headers: dict = field(default_factory=dict)
    chunk_size: int = 4
    chunk_delay: float = 0.0
    delay: float = 0.0
    cut_after: int | None = None
    cut_mode: str = "abrupt"
    stall_after: int | None = None
    stall_seconds: float = 30.0
    model: str | None = None

    def resolved_finish_reason(self) -> str:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


@dataclass(frozen=True)
class Profile:
    """Behaviours seen on a real OpenAI-compatible server, reproduced together.

    ``server.profile = PROFILES["llama-cpp-python"]`` switches them all on; the default
    profile ("openai") answers as OpenAI's API does. Each field is one observed behaviour.

    refuse_json_schema   HTTP 500 naming response_format for ``{"type": "json_schema"}``
                         (llama-cpp-python accepts only "text" and "json_object").
    ollama_api           also answers Ollama's own ``GET /api/tags`` (the model list of ``ollama list``).
    first_byte_delay     seconds before the first byte of every successful answer: a server on a
                         CPU reads the whole prompt first (~4,500 tokens: a minute and more).
                         Interrupted by stop().
    early_headers        a streamed answer's headers go out at once and the first chunk waits
                         `first_byte_delay` (llama-server writes its headers before the first
                         token); otherwise the headers wait too.
    chat_template_error  HTTP 500 with the chat template's error, several lines long (the reason,
                         then the template lines it points at), for a conversation whose roles do
                         not alternate user / assistant: llama-server with a Gemma- or Mistral-style
                         template refuses it so.
    ignore_tools_without_choice
                         a request that offers tools without ``tool_choice`` gets the reply's text and
                         none of its tool calls (llama-cpp-python's server then ignores the tools).
    schema_prose         a model that follows a schema's structure but fills every free-text (non-enum)
                         string with prose (``PROSE``): a json_schema request is answered with such an
                         instance, and a scripted tool call without "arguments" gets them made that way
                         from the tool's parameters.
    cap_tokens           a server-wide cap on answer tokens (``llama-server --n-predict N``): every
                         answer is cut after N tokens (CHARS_PER_TOKEN characters each) of text and
                         tool arguments, with finish_reason "length".
    empty_answers        the first N answers (replies with status 200) are only the model's stop
                         string: no text, no tool calls, finish_reason "stop".
    """

    name: str = "openai"
    refuse_json_schema: bool = False
    ollama_api: bool = False
    first_byte_delay: float = 0.0
    early_headers: bool = False
    chat_template_error: bool = False
    ignore_tools_without_choice: bool = False
    schema_prose: bool = False
    cap_tokens: int | None = None
    empty_answers: int = 0

    def refusal(self, body: dict) -> tuple[int, dict] | None:
        """The error this server answers `body` with before any scripted reply, or None."""
        response_format = body.get("response_format")
        if self.refuse_json_schema and isinstance(response_format, dict) and response_format.get("type") == "json_schema":
            return 500, {"error": {"message": _LLAMA_CPP_PYTHON_FORMAT_ERROR, "type": "internal_server_error", "code": None, "param": None}}
        if self.chat_template_error and not _roles_alternate(body.get("messages")):
            return 500, {"error": {"code": 500, "message": _LLAMA_SERVER_TEMPLATE_ERROR, "type": "server_error"}}
        return None

    def delays_headers(self, body: dict) -> bool:
        """Whether `first_byte_delay` falls before the headers (else between them and the first chunk)."""
        return not (self.early_headers and body.get("stream"))

    def adapted(self, reply: Reply, body: dict) -> Reply:
        """The scripted reply as this server and its model would give it for `body`."""
        if reply.status != 200:
            return reply
        if self.schema_prose:
            reply = _prose_reply(reply, body)
        if self.ignore_tools_without_choice and body.get("tools") and "tool_choice" not in body and reply.tool_calls:
            reply = replace(reply, tool_calls=[], finish_reason=None if reply.finish_reason == "tool_calls" else reply.finish_reason)
        return reply

    def shaped(self, reply: Reply, index: int) -> Reply:
        """`reply` as this server sends it as its `index`-th answer (from 0): emptied, or cut at the token cap."""
        if reply.status != 200:
            return reply
        if index < self.empty_answers:
            return replace(reply, text="", tool_calls=[], finish_reason="stop")
        return _capped(reply, self.cap_tokens) if self.cap_tokens is not None else reply


PROSE = "the research assistant"  # what a schema-prose model writes in any free-text field


def _prose_reply(reply: Reply, body: dict) -> Reply:
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
        return replace(reply, text=json.dumps(prose_instance(schema)), tool_calls=[])
    offered = {t["function"]["name"]: t["function"].get("parameters") or {} for t in body.get("tools") or [] if "function" in t}
    calls = [
        call if "arguments" in call or call.get("name") not in offered
        else {**call, "arguments": prose_instance(offered[call["name"]])}
        for call in reply.tool_calls
    ]
    return replace(reply, tool_calls=calls)


def prose_instance(schema: dict, root: dict | None = None) -> Any:
    """An instance of `schema` as a schema-following model that writes prose gives it: a listed value
    (enum, const) where there is a list, ``PROSE`` in every other string (whatever its default), the
    default of other optional fields, one item in an array of objects."""
    root = root or schema
    if "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return prose_instance(node, root)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return prose_instance(options[0], root)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "string":
        return PROSE
    if "default" in schema:  # an optional number, flag or list: left as it is
        return schema["default"]
    if kind == "object":
        return {name: prose_instance(sub, root) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        items = schema.get("items") or {}
        return [prose_instance(items, root)] if "$ref" in items or items.get("type") == "object" else []
    return {"integer": schema.get("minimum", 1), "number": schema.get("minimum", 1), "boolean": True}.get(kind)


CHARS_PER_TOKEN = 4  # the fake's tokens, for cap_tokens: about four characters each


def _capped(reply: Reply, tokens: int) -> Reply:
    """The reply cut after `tokens` tokens of text, then of tool arguments; finish_reason "length" when cut."""
    room = tokens * CHARS_PER_TOKEN
    prompt = (reply.usage or {}).get("prompt_tokens", 0)
    usage = {"prompt_tokens": prompt, "completion_tokens": tokens, "total_tokens": prompt + tokens} if reply.usage is not None else None
    if len(reply.text) > room:
        return replace(reply, text=reply.text[:room], tool_calls=[], finish_reason="length", usage=usage)
    room -= len(reply.text)
    calls = []
    for call in reply.tool_calls:
        arguments = call.get("arguments", "")
        arguments = arguments if isinstance(arguments, str) else json.dumps(arguments)
        if len(arguments) > room:
            calls.append({**call, "arguments": arguments[:room]})
            return replace(reply, tool_calls=calls, finish_reason="length", usage=usage)
        room -= len(arguments)
        calls.append(call)
    return reply


# The body llama-cpp-python's server (0.3.x) answers a json_schema response_format with: its
# pydantic validation error, several lines long, as an internal server error.
_LLAMA_CPP_PYTHON_FORMAT_ERROR = (
    "1 validation error for CreateChatCompletionRequest\n"
    "response_format.type\n"
    "  Input should be 'text' or 'json_object' [type=literal_error, input_value='json_schema', input_type=str]\n"
    "    For further information visit https://errors.pydantic.dev/2.10/v/literal_error"
)

# llama-server (llama.cpp, --jinja) when a template raises: minja's message, then where it arose.
_LLAMA_SERVER_TEMPLATE_ERROR = (
    "Conversation roles must alternate user/assistant/user/assistant/... at row 12, column 28:\n"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\n"
    "    {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}\n"
    "                           ^\n"
    "{%- endif %}"
)


def _roles_alternate(messages: Any) -> bool:
    """Whether the conversation after the system message goes user, assistant, user... (tool results after their call)."""
    roles = [m.get("role") for m in messages or [] if isinstance(m, dict) and m.get("role") not in ("system", "tool")]
    return all(role == ("user" if index % 2 == 0 else "assistant") for index, role in enumerate(roles))


PROFILES: dict[str, Profile] = {
    "openai": Profile(),
    "llama-cpp-python": Profile(name="llama-cpp-python", refuse_json_schema=True, ignore_tools_without_choice=True),
    "schema-prose": Profile(name="schema-prose", schema_prose=True),
    "ollama": Profile(name="ollama", ollama_api=True),
    # llama.cpp's llama-server: headers at once, then a first byte a quarter second later ("a minute" at
    # the timeouts tests use), answers capped at 512 tokens (--n-predict 512); chat_template_error depends
    # on the model's template, so it is left to the tests that ask for it.
    "llama-server": Profile(name="llama-server", first_byte_delay=0.25, early_headers=True, cap_tokens=512),
    # a small model that answers its first request with only its stop string (seen on a CPU-served model)
    "stop-string": Profile(name="stop-string", empty_answers=1),
}


def _model_listing(fake: FakeOpenAIServer, method: str, path: str) -> dict | None:
    """The answer to a model-list request (OpenAI's `/v1/models`, Ollama's `/api/tags`), or None for any other."""
    if method != "GET":
        return None
    names = list(fake.listed_models)
    if path in ("/v1/models", "/models"):
        return {"object": "list", "data": [{"id": n, "object": "model", "created": 1733011200, "owned_by": "fake"} for n in names]}
    if path == "/api/tags" and fake.profile.ollama_api:
        return {"models": [{"name": n, "model": n, "modified_at": "2026-12-01T10:00:00Z", "size": 1_000_000,
                            "digest": f"sha256:{abs(hash(n)):x}", "details": {"format": "gguf"}} for n in names]}
    return None


def _history_problem(messages: Any) -> str | None:
    """What a strict provider would refuse in `messages`, or None: the rules of OpenAI's API."""
    if not isinstance(messages, list):
        return "messages must be a list"
    seen: set[str] = set()
    waiting: list[str] = []  # ids of the last assistant message's calls not yet answered
    for index, message in enumerate(messages):
        role = message.get("role")
        if role == "tool":
            answered = message.get("tool_call_id")
            if answered not in waiting:
                return f"messages[{index}]: a tool message must respond to a preceding tool call ({answered!r})"
            waiting.remove(answered)
            continue
        if waiting:
            return f"messages[{index}]: tool_call_ids without a response: {', '.join(waiting)}"
        for call in message.get("tool_calls") or []:
            if call.get("id") in seen:
                return f"messages[{index}]: duplicate tool_call id {call.get('id')!r}"
            seen.add(call.get("id"))
            waiting.append(call.get("id"))
    if waiting:
        return f"tool_call_ids without a response: {', '.join(waiting)}"
    return None


class _DropConnection(Exception):
    """Raised inside a handler to close the socket without finishing."""


class _HTTPServer(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    fake: FakeOpenAIServer

    def handle_error(self, request, client_address):  # pragma: no cover - quiet
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, BrokenPipeError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    # -- plumbing --------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # consume trailers
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, obj: Any, extra_headers: dict | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True

    def _drop(self) -> None:
        """Close the underlying socket immediately (no HTTP-level termination)."""
        self.close_connection = True
        with suppress(OSError):
            self.wfile.flush()
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        with suppress(OSError):
            self.connection.close()

    # -- routing ---------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        raw = self._read_body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = self.path.split("?", 1)[0]
        fake._record(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        try:
            listing = _model_listing(fake, self.command, path.rstrip("/"))
            if listing is not None:
                self._send_json(200, listing)
                return
            if self.command != "POST" or path.rstrip("/") not in CHAT_PATHS:
                self._send_json(
                    404,
                    {
                        "error": {
                            "message": f"fake server: no route for {self.command} {self.path}",
                            "type": "invalid_request_error",
                            "code": "not_found",
                            "param": None,
                        }
                    },
                )
                return
            problem = fake.strict and _history_problem((body or {}).get("messages") if isinstance(body, dict) else None)
            if problem:
                self._send_json(400, {"error": {"message": problem, "type": "invalid_request_error", "code": None, "param": "messages"}})
                return
            refused = fake.profile.refusal(body if isinstance(body, dict) else {})
            if refused:
                self._send_json(*refused)
                return
            reply = fake._next_reply(body if isinstance(body, dict) else {})
            if reply is not None:
                reply = fake.profile.adapted(reply, body if isinstance(body, dict) else {})
            if reply is not None and reply.status == 200:
                reply = fake.profile.shaped(reply, fake._next_answer_index())
            if reply is None:
                self._send_json(
                    500,
                    {
                        "error": {
                            "message": "fake server: no scripted reply",
                            "type": "server_error",
                            "code": None,
                            "param": None,
                        }
                    },
                )
                return
            self._respond(reply, body if isinstance(body, dict) else {})
        except _DropConnection:
            self._drop()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    # -- responses -------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        """Interruptible sleep; raises _DropConnection if the server is stopping."""
        if seconds > 0 and self.server.fake._stop_event.wait(seconds):
            raise _DropConnection

    def _respond(self, reply: Reply, req: dict) -> None:
        fake = self.server.fake
        self._wait(reply.delay)
        if reply.status != 200:
            err = {
                "message": reply.error_message or f"fake server error {reply.status}",
                "type": reply.error_type
                or _DEFAULT_ERROR_TYPES.get(reply.status, "server_error" if reply.status >= 500 else "invalid_request_error"),
                "code": reply.error_code if reply.error_code is not None else _DEFAULT_ERROR_CODES.get(reply.status),
                "param": None,
            }
            self._send_json(reply.status, {"error": err}, reply.headers)
            return
        if fake.profile.delays_headers(req):
            self._wait(fake.profile.first_byte_delay)

        model = reply.model or req.get("model") or "fake-model"
        tool_calls = []
        for tc in reply.tool_calls:
            args = tc.get("arguments", "")
            if not isinstance(args, str):
                args = json.dumps(args)
            tool_calls.append({"id": tc.get("id") or fake._next_call_id(), "name": tc["name"], "arguments": args})
        completion_id = f"chatcmpl-fake{fake._next_completion_id()}"
        created = int(time.time())

        if req.get("stream"):
            include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
            self._stream(reply, model, tool_calls, completion_id, created, include_usage)
            return

        if reply.stall_after is not None:
            self._wait(reply.stall_seconds)
            raise _DropConnection
        if reply.cut_after is not None:
            raise _DropConnection

        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if (not reply.text and tool_calls) else reply.text,
        }
        if tool_calls:
            message["tool_calls"] = [
                {"id": tc["id"], "type": "function", "function": {"name": tc["name"], "arguments": tc["arguments"]}}
                for tc in tool_calls
            ]
        obj: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": reply.resolved_finish_reason()}
            ],
        }
        if reply.usage is not None:
            obj["usage"] = reply.usage
        self._send_json(200, obj, reply.headers)

    def _write_chunk(self, data: bytes) -> None:
        """Write one HTTP/1.1 chunked-encoding chunk and flush."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _stream(
        self,
        reply: Reply,
        model: str,
        tool_calls: list[dict],
        completion_id: str,
        created: int,
        include_usage: bool,
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        for k, v in reply.headers.items():
            self.send_header(k, str(v))
        self.end_headers()
        self.close_connection = True
        profile = self.server.fake.profile
        if not profile.delays_headers({"stream": True}):
            self._wait(profile.first_byte_delay)

        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            obj: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }
            if include_usage:
                obj["usage"] = None
            return obj

        def send_event(obj: Any) -> None:
            payload = obj if isinstance(obj, str) else json.dumps(obj)
            self._write_chunk(f"data: {payload}\n\n".encode())

        def end_body() -> None:
            self._write_chunk(b"")  # zero-length chunk terminates the body

        def drop() -> None:
            if reply.cut_mode == "clean":
                end_body()
            raise _DropConnection

        size = max(1, int(reply.chunk_size))
        counted: list[dict] = []
        if reply.text:
            for i in range(0, len(reply.text), size):
                counted.append(chunk({"content": reply.text[i : i + size]}))
        for idx, tc in enumerate(tool_calls):
            counted.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": idx,
                                "id": tc["id"],
                                "type": "function",
                                "function": {"name": tc["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            args = tc["arguments"]
            for i in range(0, len(args), size):
                counted.append(chunk({"tool_calls": [{"index": idx, "function": {"arguments": args[i : i + size]}}]}))

        send_event(chunk({"role": "assistant", "content": ""}))
        for n, obj in enumerate(counted):
            if reply.cut_after is not None and n >= reply.cut_after:
                drop()
            if reply.stall_after is not None and n >= reply.stall_after:
                self._wait(reply.stall_seconds)
                drop()
            self._wait(reply.chunk_delay)
            send_event(obj)
        if reply.cut_after is not None and len(counted) >= reply.cut_after:
            drop()
        if reply.stall_after is not None and len(counted) >= reply.stall_after:
            self._wait(reply.stall_seconds)
            drop()
        self._wait(reply.chunk_delay)
        send_event(chunk({}, reply.resolved_finish_reason()))
        if include_usage and reply.usage is not None:
            send_event(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [],
                    "usage": reply.usage,
                }
            )
        send_event("[DONE]")
        end_body()


class FakeOpenAIServer:
    """Scripted OpenAI-compatible server on 127.0.0.1 (see module docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.default_reply: Reply | None = None
        self.route: Callable[[dict], Reply | None] | None = None
        self.strict = False
        self.profile = PROFILES["openai"]
        self.listed_models: list[str] = ["fake-model"]  # what GET /v1/models (and /api/tags) list
        self.requests: list[dict] = []
        self.hits = 0
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._call_ids = itertools.count(1)
        self._completion_ids = itertools.count(1)
        self._answer_indexes = itertools.count()

    # -- lifecycle -------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        self._stop_event.clear()
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeOpenAIServer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stop_event.set()  # wakes stalled / delayed handlers
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=1)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # -- scripting -------------------------------------------------------
    def enqueue(self, *replies: Reply) -> FakeOpenAIServer:
        with self._lock:
            self._queue.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Number of scripted replies not yet consumed."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Drop queued replies and recorded requests, reset hits (and the answers a Profile counts)."""
        with self._lock:
            self._answer_indexes = itertools.count()
            self._queue.clear()
            self.requests.clear()
            self.hits = 0

    # -- recording -------------------------------------------------------
    @property
    def last_body(self) -> Any:
        with self._lock:
            return self.requests[-1]["body"] if self.requests else None

    @property
    def last_request(self) -> dict | None:
        with self._lock:
            return self.requests[-1] if self.requests else None

    # -- internals used by the handler ------------------------------------
    def _record(self, entry: dict) -> None:
        with self._lock:
            self.requests.append(entry)
            self.hits += 1

    def _next_reply(self, body: dict | None = None) -> Reply | None:
        route = self.route
        if route is not None:
            routed = route(body or {})
            if routed is not None:
                return routed
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            return self.default_reply

    def _next_call_id(self) -> str:
        with self._lock:
            return f"call_{next(self._call_ids)}"

    def _next_answer_index(self) -> int:
        """How many answers (status 200) came before this one: what a Profile's behaviours count."""
        with self._lock:
            return next(self._answer_indexes)

    def _next_completion_id(self) -> int:
        with self._lock:
            return next(self._completion_ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible chat-completions server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--text", default="hello", help="default reply text")
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(host=args.host, port=args.port)
    server.default_reply = Reply(text=args.text, chunk_delay=args.chunk_delay)
    server.start()
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
