"""The local fake OpenAI-compatible server and litellm-backed Sessions on it, for the model benchmarks.

Everything talks to 127.0.0.1: the server is tests/fakeserver.py, and litellm finds it
through OPENAI_BASE_URL, as a user's OpenAI-compatible server would be found.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fakeserver import FakeOpenAIServer, Reply

MODEL = "openai/fake-model"

__all__ = ["MODEL", "Reply", "ScriptServer", "data_home", "fake_server", "fresh", "litellm_kwargs", "open_session", "settle"]


class ScriptServer(FakeOpenAIServer):
    """The fake server, answering each request with `answer(request body)`: the reply
    depends on what was asked, not on arrival order (a stray or concurrent request
    cannot take another's reply)."""

    answer: Callable[[dict], Reply] | None = None

    def _next_reply(self, body: dict | None = None, *rest: Any) -> Reply | None:
        if self.answer is None:
            return super()._next_reply(body, *rest) if body is not None else super()._next_reply()
        return self.answer(body if body is not None else self.last_body)


@contextlib.contextmanager
def fake_server() -> Iterator[ScriptServer]:
    """A started fake server, with the OpenAI variables pointing at it (restored afterwards)."""
    saved = {name: os.environ.get(name) for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    with ScriptServer() as server:
        os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench")
        try:
            yield server
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@contextlib.contextmanager
def data_home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="agentsh-bench-") as folder:
        yield Path(folder)


def open_session(home: Path, **settings):
    """A new session on the litellm path (model `openai/fake-model`), no approval prompts."""
    from agentsh.config import Settings
    from agentsh.session import Session

    settings.setdefault("approval", "auto")
    return Session.open(Settings(home=home, model=MODEL, **settings))


def litellm_kwargs(server: FakeOpenAIServer) -> dict:
    """What the raw floors pass to litellm: the same stream options agentsh asks for."""
    return {"model": MODEL, "api_base": server.base_url, "api_key": "sk-bench", "stream": True,
            "stream_options": {"include_usage": True}, "max_retries": 0, "num_retries": 0}


async def alternate(ours, floor, repeat: int, warmup: int, between=None) -> tuple[list[float], list[float]]:
    """Await `ours()` and `floor()` in turn (each returns its figure), `warmup` times unrecorded first."""
    measured, base = [], []
    for sample in range(warmup + repeat):
        for function, samples in ((ours, measured), (floor, base)):
            if between is not None:
                await between()
            value = await function()
            if sample >= warmup:
                samples.append(value)
    return measured, base


async def settle(limit: float = 5.0) -> None:
    """Wait until no other task is left: litellm logs each call in tasks of its own after
    the stream ends, work that belongs to the exchange that caused it. Close sessions
    first (their memory keeps an idle-consolidation task waiting)."""
    await _drain(limit)


async def fresh() -> None:
    """Between samples: nothing left running, and the collector in the same state for each
    (a full collection lands in one sample or the next by chance: up to 10% of a stream)."""
    await _drain(5.0)
    gc.collect()


async def _drain(limit: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    current = asyncio.current_task()
    while pending := {t for t in asyncio.all_tasks() if t is not current and not t.done()}:
        if loop.time() >= deadline:
            raise TimeoutError(f"tasks still running after {limit:g} s: {pending}")
        await asyncio.wait(pending, timeout=deadline - loop.time())
