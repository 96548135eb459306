"""The API's OpenAPI 3.1 description, built from the pydantic models of schema.py."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .schema import ApprovalAnswer, ErrorBody, Health, TaskList, TaskRequest, TaskView

_REF = "#/components/schemas/{model}"


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": _REF.format(model=name)}}}}


def _answer(description: str, name: str | None = None, media: str = "application/json") -> dict[str, Any]:
    if name is None:
        return {"description": description, "content": {media: {"schema": {"type": "string"}}}}
    return {"description": description, "content": {media: {"schema": {"$ref": _REF.format(model=name)}}}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "bad input", 401: "missing or wrong token", 404: "not found", 409: "conflict", 422: "invalid request",
        503: "the service is stopping",
    }
    return {str(code): _answer(meaning[code], "ErrorBody") for code in (401, *codes)}


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _paths() -> dict[str, Any]:
    task = [_path_parameter("task_id")]
    statuses = ["queued", "running", "input-required", "completed", "failed", "cancelled"]
    return {
        "/v1/health": {"get": {"operationId": "health", "summary": "the service's version, protocol, environment and load",
                               "responses": {"200": _answer("the service", "Health"), **_errors()}}},
        "/v1/tasks": {
            "post": {"operationId": "submitTask", "summary": "queue one turn", "requestBody": _body("TaskRequest"),
                     "responses": {"201": _answer("the queued task", "TaskView"), **_errors(400, 422, 503)}},
            "get": {"operationId": "listTasks", "summary": "tasks, newest first",
                    "parameters": [_query("status", {"type": "string", "enum": statuses}, "only tasks with this status"),
                                   _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}, "at most this many")],
                    "responses": {"200": _answer("the tasks", "TaskList"), **_errors(400)}},
        },
        "/v1/tasks/{task_id}": {
            "parameters": task,
            "get": {"operationId": "getTask", "summary": "a task's status and outcome",
                    "responses": {"200": _answer("the task", "TaskView"), **_errors(404)}},
            "delete": {"operationId": "cancelTask", "summary": "cancel a task (a running turn is stopped and saved as interrupted)",
                       "responses": {"200": _answer("the cancelled task", "TaskView"), **_errors(404, 409)}},
        },
        "/v1/tasks/{task_id}/approvals/{approval_id}": {
            "parameters": [*task, _path_parameter("approval_id")],
            "post": {"operationId": "answerApproval", "summary": "allow or deny a tool call the task waits for",
                     "requestBody": _body("ApprovalAnswer"),
                     "responses": {"200": _answer("the task", "TaskView"), **_errors(400, 404, 422)}},
        },
        "/v1/tasks/{task_id}/events": {
            "parameters": task,
            "get": {"operationId": "taskEvents",
                    "summary": "the turn's events as Server-Sent Events (id, event = the event's type or 'status', data = its JSON)",
                    "parameters": [_query("after", {"type": "integer", "minimum": 0}, "resume after this event id (or send Last-Event-ID)"),
                                   {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "integer"}}],
                    "responses": {"200": _answer("the event stream, ending after the final status", media="text/event-stream"),
                                  **_errors(400, 404)}},
        },
        "/openapi.json": {"get": {"operationId": "openapi", "summary": "this description",
                                  "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                                                **_errors()}}},
    }


@cache
def openapi_document(version: str) -> dict[str, Any]:
    models: list[type[BaseModel]] = [TaskRequest, TaskView, TaskList, ApprovalAnswer, Health, ErrorBody]
    _, schemas = models_json_schema([(model, "validation") for model in models], ref_template=_REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "agentsh task service", "version": version,
                 "description": "Tasks are session turns run by `agentsh serve`. Every request needs 'Authorization: Bearer TOKEN'."},
        "paths": _paths(),
        "components": {"schemas": schemas["$defs"], "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
    }
