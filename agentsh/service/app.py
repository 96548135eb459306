"""The task service's ASGI app: the HTTP API of the contract (issue #22), every request behind the token.

    app = create_app(manager, token, about)       # about: the health answer's fixed part

Other parts of the service add their routes through `service_extensions` (the A2A app mounts at /a2a and serves its
agent card): each extension is a function of the TaskManager returning Starlette routes or mounts, which get the same
token check as the rest.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import AgentshError
from .openapi import openapi_document
from .runner import TaskManager
from .schema import ACTIVE, FINAL, ApprovalAnswer, Health, TaskList, TaskRequest

Extension = Callable[[TaskManager], Sequence[BaseRoute]]
SSE_PING = 15  # seconds between keep-alive comments on an idle event stream
MAX_LIMIT = 1000


def service_extensions() -> list[Extension]:
    """The routes other rooms add to the service (the A2A server): imported only when the service starts."""
    return []


def create_app(manager: TaskManager, token: str, about: dict[str, Any], extensions: Sequence[Extension] = ()) -> ASGIApp:
    api = _Api(manager, about)
    routes: list[BaseRoute] = [
        Route("/v1/health", api.health, methods=["GET"]),
        Route("/v1/tasks", api.submit, methods=["POST"]),
        Route("/v1/tasks", api.list, methods=["GET"]),
        Route("/v1/tasks/{task_id}", api.get, methods=["GET"]),
        Route("/v1/tasks/{task_id}", api.cancel, methods=["DELETE"]),
        Route("/v1/tasks/{task_id}/approvals/{approval_id}", api.answer, methods=["POST"]),
        Route("/v1/tasks/{task_id}/events", api.events, methods=["GET"]),
        Route("/openapi.json", api.openapi, methods=["GET"]),
    ]
    for extension in extensions:
        routes += extension(manager)
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    return TokenCheck(app, token, manager)


class TokenCheck:
    """Every HTTP request needs `Authorization: Bearer TOKEN` (compared in constant time); anything else is refused."""

    def __init__(self, app: ASGIApp, token: str, manager: TaskManager) -> None:
        self.app, self.token, self.manager = app, token.encode(), manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # no websockets here
            return await send({"type": "websocket.close", "code": 1008})
        self.manager.last_activity = time.monotonic()
        if not self._authorized(scope):
            response = error(401, "missing or wrong token: send 'Authorization: Bearer TOKEN' (the token is in the service folder of the data home)")
            response.headers["WWW-Authenticate"] = "Bearer"
            return await response(scope, receive, send)
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        headers = dict(scope.get("headers") or [])
        scheme, _, given = headers.get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self.token)


class _Api:
    def __init__(self, manager: TaskManager, about: dict[str, Any]) -> None:
        self.manager, self.about = manager, about

    async def health(self, request: Request) -> Response:
        return _json(Health(**self.about, **self.manager.counts()))

    async def submit(self, request: Request) -> Response:
        body = await _body(request, TaskRequest)
        if isinstance(body, Response):
            return body
        if self.manager.stopping:
            return error(503, "the service is stopping: submit the task again once it has started again")
        try:
            view = await self.manager.submit(body)
        except AgentshError as problem:
            return error(422, str(problem))
        return _json(view, 201)

    async def list(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in ACTIVE | FINAL:
            return error(400, f"unknown status {status!r}; one of: {', '.join(sorted(ACTIVE | FINAL))}")
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            return error(400, "limit must be a whole number, e.g. ?limit=50")
        if not 1 <= limit <= MAX_LIMIT:
            return error(400, f"limit must be between 1 and {MAX_LIMIT}")
        return _json(TaskList(tasks=self.manager.list(status, limit)))

    async def get(self, request: Request) -> Response:
        view = self.manager.get(request.path_params["task_id"])
        return _json(view) if view else _no_task(request)

    async def cancel(self, request: Request) -> Response:
        task_id = request.path_params["task_id"]
        before = self.manager.get(task_id)
        if before is None:
            return _no_task(request)
        if before.status in FINAL:
            return error(409, f"task {task_id} has already finished ({before.status}): there is nothing to cancel")
        view = await self.manager.cancel(task_id)
        return _json(view) if view else _no_task(request)

    async def answer(self, request: Request) -> Response:
        body = await _body(request, ApprovalAnswer)
        if isinstance(body, Response):
            return body
        task_id, approval_id = request.path_params["task_id"], request.path_params["approval_id"]
        view = await self.manager.answer(task_id, approval_id, body.decision)
        if view is None:
            return error(404, f"task {task_id} has no pending approval {approval_id}")
        return _json(view)

    async def events(self, request: Request) -> Response:
        task_id = request.path_params["task_id"]
        if self.manager.get(task_id) is None:
            return _no_task(request)
        given = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
        try:
            after = int(given)
        except ValueError:
            return error(400, f"Last-Event-ID / after must be an event id (a whole number), not {given!r}")
        return EventSourceResponse(self._stream(task_id, after), ping=SSE_PING, sep="\n")

    async def _stream(self, task_id: str, after: int) -> AsyncIterator[ServerSentEvent]:
        async for seq, name, _data, line in self.manager.entries(task_id, after):
            yield ServerSentEvent(data=line, event=name, id=str(seq))

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.about["version"]))


async def _body(request: Request, model: type[BaseModel]) -> Any:
    """The request's JSON body as `model`, or the error response saying what is wrong with it."""
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError as problem:
        return error(400, f"the body is not valid JSON: {problem}")
    try:
        return model.model_validate(data)
    except ValidationError as problem:
        first = problem.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        return error(422, f"{where}: {first['msg']}")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status_code=status, media_type="application/json")


def _no_task(request: Request) -> Response:
    return error(404, f"no task {request.path_params['task_id']!r}; GET /v1/tasks lists them")


async def _not_found(request: Request, exc: Exception) -> Response:
    return error(404, f"no such endpoint {request.url.path}; GET /openapi.json describes the API")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error(405, f"{request.method} is not allowed on {request.url.path}; GET /openapi.json describes the API")
