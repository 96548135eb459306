"""The service's Agent2Agent face, built with the official a2a-sdk: its card and its JSON-RPC endpoint.

`a2a_routes(manager)` gives the routes the service mounts behind its token: the agent card at
`/.well-known/agent-card.json` (skills: the modes and the workflows; security: the service's bearer
token) and the SDK's JSON-RPC endpoint at `/a2a`. A message becomes a task of the TaskManager (origin
"a2a"; its `skill` metadata names the mode, `workflow:NAME` a workflow; messages of one A2A context
continue one agentsh session), submitted as the request arrives so that the A2A task's id is the task's
own: `GET /v1/tasks` lists it. The task's events go back as A2A updates: the answer's text as chunks
of the "answer" artifact, steps as status messages, the whole answer as that artifact at the end, a
tool call waiting for approval as input-required (answered by a message on the task: allow, deny or
always). Cancelling the A2A task cancels the TaskManager's.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from a2a.helpers import get_message_text, new_task_from_user_message, new_text_message, new_text_part
from a2a.server.agent_execution import AgentExecutor, RequestContext, SimpleRequestContextBuilder
from a2a.server.context import ServerCallContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    HTTPAuthSecurityScheme,
    Message,
    SecurityRequirement,
    SecurityScheme,
    SendMessageRequest,
    StringList,
    Task,
    TaskState,
)
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import __version__
from ..config import WORKFLOW_PREFIX
from ..errors import AgentshError
from ..modes import mode_class, mode_names
from ..text import folded
from ..workflows.loader import WorkflowCatalog, workflow_directories
from .schema import TaskRequest

if TYPE_CHECKING:
    from .runner import TaskManager

RPC_PATH = "/a2a"
CARD_PATH = "/.well-known/agent-card.json"
ANSWER = "answer"  # the artifact the answer streams into
DECISIONS = ("allow", "deny", "always")
BEARER = "bearer"


def a2a_routes(manager: TaskManager) -> list[Route]:
    """The card (built for the address it is asked at) and the SDK's JSON-RPC endpoint; the service puts its token before both."""
    skills = [*mode_skills(), *workflow_skills(manager.workspace)]
    tasks = A2ATasks(manager, {skill.id for skill in skills})
    handler = DefaultRequestHandler(
        agent_executor=TaskExecutor(tasks), task_store=InMemoryTaskStore(), agent_card=agent_card("", skills),
        request_context_builder=TaskSubmitter(tasks),
    )
    return [Route(CARD_PATH, CardEndpoint(skills).serve, methods=["GET"]), *create_jsonrpc_routes(handler, RPC_PATH)]


def mode_skills() -> list[AgentSkill]:
    return [AgentSkill(id=name, name=name, description=mode_class(name).summary, tags=["mode"]) for name in mode_names()]


def workflow_skills(workspace: Path) -> list[AgentSkill]:
    catalog = WorkflowCatalog(workflow_directories(workspace)[0])
    catalog.refresh()
    found = {name: status.workflow for name, status in catalog.statuses.items() if status.workflow is not None}
    return [
        AgentSkill(id=f"{WORKFLOW_PREFIX}{name}", name=name, description=workflow.spec.description or f"the {name} workflow", tags=["workflow"])
        for name, workflow in sorted(found.items())
    ]


def agent_card(base_url: str, skills: list[AgentSkill]) -> AgentCard:
    bearer = HTTPAuthSecurityScheme(scheme="Bearer", description="the service's token (`agentsh serve` says where it is)")
    return AgentCard(
        name="agentsh", version=__version__,
        description="agentsh's task service: every mode and workflow of this agentsh, as skills (metadata `skill`; default: its own mode)",
        supported_interfaces=[AgentInterface(url=f"{base_url}{RPC_PATH}", protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"], default_output_modes=["text/plain"],
        security_schemes={BEARER: SecurityScheme(http_auth_security_scheme=bearer)},
        security_requirements=[SecurityRequirement(schemes={BEARER: StringList(list=[])})],
        skills=skills,
    )


class CardEndpoint:
    """The SDK's card route, for the address the card is asked at: its interface is where the asker reaches this service."""

    def __init__(self, skills: list[AgentSkill]) -> None:
        self.skills = skills
        self.routes: dict[str, Route] = {}

    async def serve(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        if base not in self.routes:
            [self.routes[base]] = create_agent_card_routes(agent_card(base, self.skills))
        response: Response = await self.routes[base].endpoint(request)
        return response


class A2ATasks:
    """What the A2A side keeps of the TaskManager's tasks it started."""

    def __init__(self, manager: TaskManager, skills: set[str]) -> None:
        self.manager = manager
        self.skills = skills
        self.refused: dict[str, str] = {}  # A2A task id → why no task was submitted for it
        self.seen: dict[str, int] = {}  # task id → the last of its events already sent
        self.streamed: set[str] = set()  # tasks whose answer artifact exists
        self.sessions: dict[str, str] = {}  # A2A context id → the agentsh session its tasks continue

    async def submit(self, message: Message, request_skill: str | None, context_id: str | None) -> str:
        """The new task's id: the TaskManager's, or (refused) a fresh one whose reason `refused` keeps."""
        skill = skill_of(message.metadata) or request_skill
        try:
            if skill is not None and skill not in self.skills:
                raise ValueError(f"unknown skill {skill!r}; the agent card lists this service's skills")
            session = self.sessions.get(context_id or "")
            view = await self.manager.submit(TaskRequest(prompt=get_message_text(message), mode=skill, session=session, origin="a2a"))
        except ValidationError:
            return self._refuse("the message has no text: send the task as a text part")
        except (AgentshError, ValueError) as error:
            return self._refuse(str(error))
        return view.id

    def _refuse(self, why: str) -> str:
        task_id = uuid.uuid4().hex[:12]
        self.refused[task_id] = why
        return task_id


class TaskSubmitter(SimpleRequestContextBuilder):
    """A message that starts a task submits it to the TaskManager as it arrives: the A2A task gets that task's id."""

    def __init__(self, tasks: A2ATasks) -> None:
        super().__init__(should_populate_referred_tasks=False)
        self.tasks = tasks

    async def build(
        self, context: ServerCallContext, params: SendMessageRequest | None = None, task_id: str | None = None,
        context_id: str | None = None, task: Task | None = None,
    ) -> RequestContext:
        if params is not None and task_id is None:
            task_id = await self.tasks.submit(params.message, skill_of(params.metadata), context_id)
        return await super().build(context, params, task_id, context_id, task)


class TaskExecutor(AgentExecutor):
    """An A2A message → a TaskManager task; its events → A2A status and artifact updates."""

    def __init__(self, tasks: A2ATasks) -> None:
        self.tasks = tasks
        self.manager = tasks.manager

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        current = context.current_task
        if current is not None and current.status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            await self._answer(context, TaskUpdater(event_queue, current.id, current.context_id))
            return
        assert context.message is not None
        task = new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        if task.id in self.tasks.refused:
            await updater.reject(said(updater, self.tasks.refused.pop(task.id)))
            return
        await self._follow(task.id, updater)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        if context.task_id:
            await self.manager.cancel(context.task_id)
            await TaskUpdater(event_queue, context.task_id, context.context_id or "").cancel()

    async def _answer(self, context: RequestContext, updater: TaskUpdater) -> None:
        """A message on a task waiting for approval: allow, deny or always answers its tool call."""
        decision = context.get_user_input().strip().lower()
        view = self.manager.get(updater.task_id)
        pending = view.pending_approvals if view is not None else []
        if decision not in DECISIONS or not pending:
            await updater.requires_input(said(updater, approval_question(pending)))
            return
        await self.manager.answer(updater.task_id, pending[0].id, decision)
        await updater.start_work()
        await self._follow(updater.task_id, updater)

    async def _follow(self, task_id: str, updater: TaskUpdater) -> None:
        async for seq, name, data in self.manager.events(task_id, after=self.tasks.seen.get(task_id, 0)):
            self.tasks.seen[task_id] = seq
            if name == "status" and await self._status(task_id, str(data.get("status")), updater):
                return
            if name == "text" and data.get("agent") is None:
                await self._chunk(task_id, str(data.get("delta", "")), updater)
            elif name == "step" and data.get("status") == "running":
                await updater.update_status(TaskState.TASK_STATE_WORKING, said(updater, folded(str(data.get("title", "")), 200)))

    async def _chunk(self, task_id: str, text: str, updater: TaskUpdater) -> None:
        await updater.add_artifact([new_text_part(text)], artifact_id=ANSWER, name=ANSWER, append=task_id in self.tasks.streamed)
        self.tasks.streamed.add(task_id)

    async def _status(self, task_id: str, status: str, updater: TaskUpdater) -> bool:
        """Report a status change; True when it ends what this request can follow (finished, or waiting for input)."""
        view = self.manager.get(task_id)
        if status == "running":
            await updater.start_work()
            return False
        if status == "input-required":
            await updater.requires_input(said(updater, approval_question(view.pending_approvals if view else [])))
            return True
        if view is not None and view.session_id:
            self.tasks.sessions[updater.context_id] = view.session_id
        if status == "completed":
            answer = (view.answer if view else None) or ""
            await updater.add_artifact([new_text_part(answer)], artifact_id=ANSWER, name=ANSWER, last_chunk=True)
            await updater.complete()
        elif status == "failed":
            await updater.failed(said(updater, (view.error if view else None) or "the task failed"))
        elif status == "cancelled":
            await updater.cancel()
        return status in ("completed", "failed", "cancelled")


def skill_of(metadata: Any) -> str | None:
    """The `skill` a message's (or its request's) metadata names (a protobuf Struct); None: the service's own mode."""
    if "skill" not in metadata:  # a Struct has no .get
        return None
    return str(metadata["skill"]) or None


def approval_question(pending: list[Any]) -> str:
    if not pending:
        return "reply allow, deny or always"
    call = pending[0]
    arguments = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments, ensure_ascii=False)
    return f"the task wants to call {call.name} {folded(arguments, 400)}: reply allow, deny or always"


def said(updater: TaskUpdater, text: str) -> Message:
    return new_text_message(text, task_id=updater.task_id, context_id=updater.context_id)

