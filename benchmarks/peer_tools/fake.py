"""The fake server every tool talks to: tests/fakeserver.py's OpenAI-compatible server, plus

- a paced answer (`LONG_TOKENS` tokens at `RATE` tokens/s, on a schedule, so waits do not drift),
- the moment its last byte went out (`last_byte_at`, perf_counter), for the streaming figure,
- the few Ollama endpoints oterm uses (/api/version, /api/tags, /api/show, /api/chat streaming NDJSON).

A prompt containing `LONG_PROMPT` is answered with the long answer, any other with `SHORT_ANSWER`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from fakeserver import FakeOpenAIServer, Reply, _Handler, _HTTPServer

MODEL = "fake-model"
LONG_PROMPT = "stream-the-long-answer"
SHORT_ANSWER = "PEERS-SHORT-ANSWER"
END_MARKER = "ZQXENDMARK"
LONG_TOKENS = 20_000
RATE = 2_000  # tokens per second
CHARS_PER_TOKEN = 4
TOKENS_PER_EVENT = 10


def long_text(tokens: int = LONG_TOKENS) -> str:
    """`tokens` four-character tokens of prose in paragraphs of 60, ending in the unique marker."""
    words = ["abc " if i % 60 != 59 else "xy.\n\n" for i in range(tokens - 3)]
    return "".join(words) + "end " + END_MARKER


def reply_for(prompt: str) -> Reply:
    if LONG_PROMPT in prompt:
        size = TOKENS_PER_EVENT * CHARS_PER_TOKEN
        return Reply(text=long_text(), chunk_size=size, chunk_delay=TOKENS_PER_EVENT / RATE)
    return Reply(text=f"{SHORT_ANSWER} ok")


def last_user_text(body: dict) -> str:
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


class PeerHandler(_Handler):
    """The fake's handler, paced on a schedule, stamping its last byte, answering Ollama's API too."""

    _due: float | None = None

    def _wait(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self._due = (self._due or time.perf_counter()) + seconds
        super()._wait(max(0.0, self._due - time.perf_counter()))

    def _write_chunk(self, data: bytes) -> None:
        super()._write_chunk(data)
        if data == b"":
            self.server.fake.last_byte_at = time.perf_counter()  # type: ignore[attr-defined]

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/api/"):
            self._ollama(path)
        else:
            super()._dispatch()

    def _ollama(self, path: str) -> None:
        raw = self._read_body()
        body = json.loads(raw) if raw else {}
        self.server.fake._record({"method": self.command, "path": self.path, "headers": {}, "body": body})
        if path == "/api/version":
            self._send_json(200, {"version": "0.9.0"})
        elif path == "/api/tags":
            self._send_json(200, {"models": [ollama_model(MODEL)]})
        elif path == "/api/ps":
            self._send_json(200, {"models": []})
        elif path == "/api/show":
            self._send_json(200, ollama_show())
        elif path == "/api/chat":
            self._ollama_chat(body)
        else:
            self._send_json(404, {"error": f"fake server: no route for {self.command} {self.path}"})

    def _ollama_chat(self, body: dict) -> None:
        reply = reply_for(last_user_text(body))
        size = max(1, reply.chunk_size)
        pieces = [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
        if not body.get("stream", True):
            self._send_json(200, ollama_chunk(reply.text, done=True))
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for piece in pieces:
            self._wait(reply.chunk_delay)
            self._write_chunk((json.dumps(ollama_chunk(piece, done=False)) + "\n").encode())
        self._write_chunk((json.dumps(ollama_chunk("", done=True)) + "\n").encode())
        self._write_chunk(b"")


def ollama_model(name: str) -> dict:
    details = {"format": "gguf", "family": "llama", "families": ["llama"], "parameter_size": "1B", "quantization_level": "Q4_0",
               "parent_model": ""}
    return {"name": name, "model": name, "modified_at": "2026-12-01T10:00:00Z", "size": 1_000_000,
            "digest": "sha256:" + "0" * 64, "details": details}


def ollama_show() -> dict:
    return {"modelfile": "", "parameters": "", "template": "{{ .Prompt }}", "license": "",
            "details": ollama_model(MODEL)["details"], "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": ["completion"], "modified_at": "2026-12-01T10:00:00Z"}


def ollama_chunk(content: str, done: bool) -> dict:
    chunk: dict[str, Any] = {"model": MODEL, "created_at": "2026-12-01T10:00:00Z",
                             "message": {"role": "assistant", "content": content}, "done": done}
    if done:
        chunk.update(done_reason="stop", total_duration=1, load_duration=1, prompt_eval_count=10, prompt_eval_duration=1,
                     eval_count=5, eval_duration=1)
    return chunk


class PeerServer(FakeOpenAIServer):
    """The fake server on PeerHandler, answering every chat request by what was asked."""

    last_byte_at: float = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.listed_models = [MODEL]
        self.route = lambda body: reply_for(last_user_text(body))

    def start(self) -> PeerServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), PeerHandler)
        httpd.fake = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"
