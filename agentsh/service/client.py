"""The shell's client of the task service (`agentsh serve`): its HTTP API through httpx, its event streams
through httpx-sse, resumed with `Last-Event-ID` when a connection drops.

Light on purpose (no pydantic, no asyncio): the warm `agentsh run` imports it. Everything a service sends
is data from another process: callers show it through agentsh.terminal, never trust it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import SSEError, connect_sse

from ..errors import ServiceError
from .files import ServiceInfo, read_info, read_token

FINAL_STATUSES = ("completed", "failed", "cancelled")
STREAM_RETRIES = 5  # reconnections of one event stream in a row before the service counts as gone
STREAM_SILENCE = 60.0  # seconds without a byte (the service sends a keep-alive every 15 s) before a stream counts as dropped
RETRY_PAUSE = 0.2  # seconds before a reconnection


class ServiceClient:
    """One service's API, as its service.json and token file in the data home describe it."""

    def __init__(self, info: ServiceInfo, token: str, timeout: float = 10.0) -> None:
        self.info = info
        transport = httpx.HTTPTransport(uds=info.socket) if info.socket else None
        base = "http://agentsh" if info.socket else info.url
        self.http = httpx.Client(
            base_url=base, transport=transport, timeout=timeout, headers={"Authorization": f"Bearer {token}"},
        )

    @classmethod
    def for_home(cls, home: Path) -> ServiceClient | None:
        """The client of the service running for this data home; None when none runs or its token is unreadable."""
        info = read_info(home)
        token = read_token(home) if info is not None else None
        return cls(info, token) if info is not None and token is not None else None

    def close(self) -> None:
        self.http.close()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/v1/health")

    def submit(self, request: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/v1/tasks", json=request)

    def task(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/tasks/{_quoted(task_id)}")

    def tasks(self, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        params: dict[str, str | int] = {"limit": limit} | ({"status": status} if status else {})
        return list(self._call("GET", "/v1/tasks", params=params).get("tasks", []))

    def cancel(self, task_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/v1/tasks/{_quoted(task_id)}")

    def answer(self, task_id: str, approval_id: str, decision: str) -> dict[str, Any]:
        path = f"/v1/tasks/{_quoted(task_id)}/approvals/{_quoted(approval_id)}"
        return self._call("POST", path, json={"decision": decision})

    def events(self, task_id: str, after: int = 0) -> Iterator[tuple[int, str, str]]:
        """(id, event name, data as sent) of the task's stream, from after `after` to the final status.

        A dropped connection is resumed with Last-Event-ID; ServiceError once it cannot be."""
        failures = 0
        while True:
            try:
                for seq, name, data in self._stream(task_id, after):
                    failures, after = 0, seq
                    yield seq, name, data
                    if name == "status" and json.loads(data).get("status") in FINAL_STATUSES:
                        return
            except (httpx.TransportError, SSEError) as problem:
                failures += 1
                if failures > STREAM_RETRIES:
                    raise ServiceError(f"lost the task's event stream: {problem or type(problem).__name__}") from None
                time.sleep(RETRY_PAUSE)
                continue
            return  # the service ended the stream (it only does so after the final status)

    def _stream(self, task_id: str, after: int) -> Iterator[tuple[int, str, str]]:
        headers = {"Last-Event-ID": str(after)} if after else {}
        url = f"/v1/tasks/{_quoted(task_id)}/events"
        with connect_sse(self.http, "GET", url, headers=headers, timeout=httpx.Timeout(10.0, read=STREAM_SILENCE)) as source:
            _check(source.response)
            for message in source.iter_sse():
                # A keep-alive carries no id of its own (SSE keeps the last one): only a new id is a new event.
                if message.id.isdigit() and int(message.id) > after:
                    after = int(message.id)
                    yield after, message.event, message.data

    def _call(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **options)
        except httpx.TransportError as problem:
            raise ServiceError(f"the task service at {self.info.url} does not answer ({problem or type(problem).__name__})") from None
        _check(response)
        try:
            body = response.json()
        except ValueError:
            raise ServiceError(f"the task service answered {method} {path} with something that is not JSON") from None
        if not isinstance(body, dict):
            raise ServiceError(f"the task service answered {method} {path} with JSON that is not an object")
        return body


def _check(response: httpx.Response) -> None:
    """A refusal is a ServiceError carrying the service's own one line (data: the caller neutralises it)."""
    if response.is_success:
        return
    response.read()
    try:
        message = str(response.json().get("error") or "")
    except (ValueError, AttributeError):
        message = ""
    raise ServiceError(message or f"the task service refused the request (HTTP {response.status_code})", response.status_code)


def _quoted(part: str) -> str:
    """An id typed by the user is one path segment, whatever it holds."""
    from urllib.parse import quote

    return quote(part, safe="")
