"""A remote agent's run, wherever a profile runs: a "remote" step, its answer streamed, its failure one line."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from ..events import Event, Step, TextDelta
from ..messages import Message
from ..profiles import AgentProfile
from ..text import folded
from .agents import RemoteAgents
from .settings import CONNECT_TIMEOUT, RemoteAgent

if TYPE_CHECKING:
    from a2a.client import Client

Emit = Callable[[Event], None]
CANCEL_WAIT = 2.0  # seconds to tell the remote agent a cancelled turn no longer wants its answer


async def run_remote(
    agents: RemoteAgents, profile: AgentProfile, task: str, context: list[Message], emit: Emit, label: str | None,
) -> str:
    """Send `task` (after `context`) to the profile's remote agent; its answer. `label` None: it streams as the turn's answer."""
    agent = RemoteAgent.of(profile, os.environ)
    step = _StepReport(emit, f"remote-{uuid.uuid4().hex[:12]}", label or profile.name, {"agent": profile.name, "url": agent.url})
    step.show("running", agent.url)
    try:
        answer = await _ask(agents, agent, request_text(task, context), emit, label, step)
    except asyncio.CancelledError:
        step.show("cancelled", agent.url)
        raise
    except BaseException as error:
        agents.forget(agent)
        step.show("failed", agent.url, error=str(error))
        raise
    step.show("done", agent.url, answer=answer)
    return answer


def request_text(task: str, context: list[Message]) -> str:
    """One text message: the earlier conversation (when there is one), then the task."""
    earlier = "\n\n".join(f"{m.role}: {m.content}" for m in context if m.content)
    return f"The conversation so far:\n\n{earlier}\n\nYour task:\n{task}" if earlier else task


class _StepReport:
    def __init__(self, emit: Emit, step_id: str, shown: str, about: dict[str, Any]) -> None:
        self.emit, self.step_id, self.shown, self.about = emit, step_id, shown, about

    def show(self, status: str, what: str, **data: Any) -> None:
        title = f"{self.shown}: {folded(what, 200)}"
        self.emit(Step(kind="remote", id=self.step_id, title=title, status=status, data={**self.about, **data}))


async def _ask(agents: RemoteAgents, agent: RemoteAgent, text: str, emit: Emit, label: str | None, step: _StepReport) -> str:
    import httpx
    from a2a.client import ClientConfig, ClientFactory
    from a2a.helpers import new_text_message
    from a2a.types.a2a_pb2 import Role, SendMessageRequest

    from .failures import as_one_line
    from .replies import Reply

    reply = Reply(
        on_text=lambda delta: emit(TextDelta(delta=delta, agent=label)),
        on_status=lambda state, said: step.show("running", said, state=state, message=said),
    )
    timeout = httpx.Timeout(agent.timeout, connect=min(CONNECT_TIMEOUT, agent.timeout))
    with as_one_line(agent):
        async with httpx.AsyncClient(headers=agent.headers, timeout=timeout, verify=agents.tls) as http:
            card = await agents.card(agent, http)
            client = ClientFactory(ClientConfig(httpx_client=http)).create(card)
            request = SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER))
            try:
                async for response in client.send_message(request):
                    reply.read(response)
            except asyncio.CancelledError:
                await _cancel_quietly(client, reply.task_id)
                raise
            if reply.waiting:  # nobody here will answer it: the remote task is not left waiting for ever
                await _cancel_quietly(client, reply.task_id)
    return reply.answer(agent.name)


async def _cancel_quietly(client: Client, task_id: str) -> None:
    """Best effort: the remote task is cancelled too, so it stops spending; its failure to hear changes nothing here."""
    from a2a.types.a2a_pb2 import CancelTaskRequest

    if task_id:
        with suppress(Exception):
            await asyncio.wait_for(client.cancel_task(CancelTaskRequest(id=task_id)), CANCEL_WAIT)
