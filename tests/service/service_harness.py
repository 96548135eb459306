"""A real `agentsh serve` (uvicorn on 127.0.0.1, port 0) in a thread of the test process, and an httpx client for it.

The service is the product's own `Service`; only the model may be a scripted one (see conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel
from agentsh.service.server import ServeOptions, Service

FINAL = {"completed", "failed", "cancelled"}


class RunningService:
    def __init__(self, settings: Settings, workspace: Path, **options: Any) -> None:
        self.options = ServeOptions(port=0, **options)
        self.service = Service(settings, self.options, workspace)
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> RunningService:
        self.thread.start()
        assert self.ready.wait(20), "the service did not start listening"
        if self.failure is not None:
            raise self.failure
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as failure:  # shown by start() or stop()
            self.failure = failure
        finally:
            self.ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.service.run(on_listening=lambda service: self.ready.set())

    def stop(self) -> None:
        if self.loop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.service.stop)
        self.thread.join(30)
        assert not self.thread.is_alive(), "the service did not stop"

    @property
    def url(self) -> str:
        return self.service.url

    def client(self, token: str | None = None, **options: Any) -> httpx.Client:
        token = self.service.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=15, **options)


def submit(client: httpx.Client, prompt: str, **fields: Any) -> dict:
    answer = client.post("/v1/tasks", json={"prompt": prompt, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def wait_for(client: httpx.Client, task_id: str, statuses: set[str] = FINAL, timeout: float = 15) -> dict:
    """The task once its status is one of `statuses` (polling GET /v1/tasks/ID)."""
    deadline = time.monotonic() + timeout
    while True:
        view = client.get(f"/v1/tasks/{task_id}").json()
        if view["status"] in statuses or time.monotonic() > deadline:
            assert view["status"] in statuses, view
            return view
        time.sleep(0.02)


def read_events(client: httpx.Client, task_id: str, headers: dict[str, str] | None = None, params: dict | None = None) -> list[dict]:
    """The whole SSE stream of a task (it ends after the final status), each message as {id, event, data}."""
    messages, current = [], {}
    with client.stream("GET", f"/v1/tasks/{task_id}/events", headers=headers or {}, params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if "data" in current:
                    messages.append(current)
                current = {}
            elif not line.startswith(":"):
                field, _, value = line.partition(": ")
                current[field] = json.loads(value) if field == "data" else int(value) if field == "id" else value
    return messages


def statuses(messages: list[dict]) -> list[str]:
    return [m["data"]["status"] for m in messages if m["event"] == "status"]


class GatedModel(ScriptedModel):
    """A scripted model whose answers wait for `gate`; it counts the requests in flight (and the most at once)."""

    def __init__(self, answer: str = "done") -> None:
        super().__init__(name="scripted", default=answer)
        self.gate = threading.Event()
        self.in_flight = self.most_at_once = self.arrived = 0

    async def stream(self, request):
        self.arrived += 1
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            while not self.gate.is_set():
                await asyncio.sleep(0.01)
            async for item in super().stream(request):
                yield item
        finally:
            self.in_flight -= 1
