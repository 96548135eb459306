"""Real A2A agents for tests, built with the a2a-sdk's own server classes, served by uvicorn on 127.0.0.1.

    with serve_agent(Echo()) as agent:          # agent.url: "http://127.0.0.1:PORT"
        ... [agents.remote] url = agent.url ...
    agent.card_requests                          # how often its card was fetched

Each executor answers deterministically from the user's text: Echo (one answer, its card does not stream),
Streamer (a status message, then the answer in chunks), Failer, Rejecter, Asker (input-required), Sleeper.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from a2a.helpers import new_task_from_user_message, new_text_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentInterface, AgentSkill
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse


class _Agent(AgentExecutor):
    streams = False
    requests: list[str]  # the text of every request, in order
    cancelled: list[str]  # the ids of the tasks it was asked to cancel

    def __new__(cls, *args, **kwargs):
        agent = super().__new__(cls)
        agent.requests, agent.cancelled = [], []
        return agent

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task or new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        self.requests.append(context.get_user_input())
        await self.work(updater, context.get_user_input())

    async def work(self, updater: TaskUpdater, text: str) -> None:
        raise NotImplementedError

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        self.cancelled.append(context.task_id or "")
        task = context.current_task
        if task is not None:
            await TaskUpdater(event_queue, task.id, task.context_id).cancel()

    def said(self, updater: TaskUpdater, text: str):
        return new_text_message(text, task_id=updater.task_id, context_id=updater.context_id)


class Echo(_Agent):
    """Answers "echo: <the request>" in one artifact."""

    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.add_artifact([new_text_part(f"echo: {text}")], name="answer")
        await updater.complete()


class Streamer(_Agent):
    """Says what it is doing, then streams "streamed answer to: <the request's last line>" in chunks, then the whole."""

    streams = True

    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.start_work(self.said(updater, "reading the request"))
        answer = f"streamed answer to: {text.splitlines()[-1]}"
        chunks = [answer[i : i + 7] for i in range(0, len(answer), 7)]
        for index, chunk in enumerate(chunks):
            await updater.add_artifact([new_text_part(chunk)], artifact_id="answer", append=index > 0)
            await asyncio.sleep(0.01)
        await updater.add_artifact([new_text_part(answer)], artifact_id="answer", last_chunk=True)
        await updater.complete()


@dataclass
class Failer(_Agent):
    """Fails with `reason` (hostile text by default: markup that must be shown literally)."""

    reason: str = "[bold red]disk on fire[/bold red]"

    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.failed(self.said(updater, self.reason))


class Rejecter(_Agent):
    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.reject(self.said(updater, "I only answer questions about trains"))


class Asker(_Agent):
    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.requires_input(self.said(updater, "which city do you mean?"))


@dataclass
class Sleeper(_Agent):
    """Works until cancelled (records the cancel)."""

    streams = True
    started: threading.Event = field(default_factory=threading.Event)

    async def work(self, updater: TaskUpdater, text: str) -> None:
        await updater.start_work(self.said(updater, "thinking hard"))
        self.started.set()
        await asyncio.sleep(30)


@dataclass
class Served:
    url: str
    executor: _Agent
    card_requests: int = 0


def agent_card(url: str, streaming: bool, name: str = "test agent") -> AgentCard:
    return AgentCard(
        name=name, description="answers for tests", version="1.0",
        supported_interfaces=[AgentInterface(url=f"{url}/a2a", protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=streaming), default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        skills=[AgentSkill(id="answer", name="answer", description="answers", tags=["test"])],
    )


@contextmanager
def serve_agent(executor: _Agent, token: str | None = None) -> Iterator[Served]:
    """The executor as a real A2A server on 127.0.0.1 (a free port); with `token`, every request needs it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    served = Served(f"http://127.0.0.1:{sock.getsockname()[1]}", executor)
    card = agent_card(served.url, executor.streams)
    handler = DefaultRequestHandler(agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card)

    async def guard(request: Request, call_next):
        if token is not None and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"error": "a token is required"}, status_code=401)
        if request.url.path.endswith("agent-card.json"):
            served.card_requests += 1
        return await call_next(request)

    routes = [*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/a2a")]
    app = Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)])

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield served
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def free_port_url() -> str:
    """An address where nothing listens (a port just freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
