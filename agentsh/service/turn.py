"""One task's turn: its settings, its session, and the events of `session.send` as `agentsh run` drives them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path

from ..commands import custom_command_turn
from ..config import Settings, settings_with_flags
from ..custom_commands import TurnOptions
from ..errors import UsageError
from ..events import ApprovalRequest, ElicitationRequest, Error, Event, Notice, SamplingRequest, SessionInfo, TurnDone, json_line
from ..forms import FormAnswer
from ..session import Session
from ..tools.approval import Decision
from .schema import TaskRequest

Record = Callable[[str, dict, str], None]  # (event name, data, JSON line)


def task_settings(settings: Settings, request: TaskRequest, home: Path) -> Settings:
    """The service's settings with the request's mode, model, --yes and budgets, in the service's data home."""
    flags = {
        "mode": request.mode, "model": request.model, "approval": "auto" if request.yes else None,
        "max_cost": request.max_cost, "max_tokens": request.max_tokens,
    }
    updated = settings_with_flags(settings, flags)
    return updated.model_copy(update={"home": home, "project_store": False})


def workspace_for(request: TaskRequest, default: Path) -> Path:
    """The request's folder (relative: to the service's), which must exist."""
    folder = default / Path(request.cwd).expanduser() if request.cwd else default
    if not folder.is_dir():
        raise UsageError(f"cwd {request.cwd!r} is not a folder on the service's machine; give an existing folder")
    return folder.resolve()


@dataclass
class Outcome:
    """What the task's row gets when its turn ends."""

    done: TurnDone | None = None
    error: str | None = None  # the last Error event's message


@dataclass
class TaskTurn:
    """Drives one session turn; the manager hears of every event (`record`) and of approvals (`on_approval`)."""

    session: Session
    request: TaskRequest
    record: Record
    on_approval: Callable[[ApprovalRequest], None]
    on_session: Callable[[SessionInfo], None]
    outcome: Outcome = field(default_factory=Outcome)

    async def run(self) -> Outcome:
        prompt, options = self._options()
        if options is None:
            return self.outcome
        first = True
        async with aclosing(self.session.send(prompt, options)) as events:  # whatever happens, the turn is stopped and saved
            async for event in events:
                self._show(event)
                if first:
                    first = False
                    for notice in self.session.notices:
                        self._show(Notice(message=notice, level="warning"))
                self._handle(event)
        return self.outcome

    def _options(self) -> tuple[str, TurnOptions | None]:
        """The prompt and options `agentsh run` would use: a command file's turn, piped text, the schema."""
        prompt = self.request.prompt
        command = custom_command_turn(self.session, prompt.strip())
        if command is not None and command.error:
            self._show(Error(message=command.text, kind="UsageError"))
            return prompt, None
        options = command.options if command else None
        prompt = (command.argument or prompt) if command else prompt
        if self.request.mentions_within is not None and command is None:
            options = TurnOptions(mentions_within=self.request.mentions_within)
        if self.request.schema_ is not None:
            options = dataclasses.replace(options or TurnOptions(), schema=self.request.schema_)
        return prompt, options or TurnOptions()

    def _handle(self, event: Event) -> None:
        if isinstance(event, SessionInfo):
            self.on_session(event)
        elif isinstance(event, ApprovalRequest):
            self.on_approval(event)
        elif isinstance(event, ElicitationRequest | SamplingRequest):
            self._unanswered(event)
        elif isinstance(event, TurnDone):
            self.outcome.done = event

    def _show(self, event: Event) -> None:
        if isinstance(event, Error):
            self.outcome.error = event.message
        line = json_line(event)
        self.record(event.type, json.loads(line), line)

    def _unanswered(self, request: ElicitationRequest | SamplingRequest) -> None:
        """As in `agentsh run`: a server's form is cancelled, a completion declined, and the client told."""
        answer: FormAnswer | bool = False
        future, what = (request.decision, "asked the model for a completion") if isinstance(request, SamplingRequest) else (request.answer, "")
        if isinstance(request, ElicitationRequest):
            answer, what = FormAnswer("cancel"), "asked you to fill in a form"
        if future is not None and not future.done():
            future.set_result(answer)
        self._show(Notice(message=f"{request.server} {what}: not answered in a service task (use agentsh or agentsh --plain)", level="warning"))


def decide(request: ApprovalRequest, decision: Decision) -> None:
    if request.decision is not None and not request.decision.done():
        request.decision.set_result(decision)


DECISIONS = {"allow": Decision.ONCE, "deny": Decision.DENY, "always": Decision.ALWAYS}


def decision_for(answer: str, request: ApprovalRequest) -> Decision:
    """The API's answer as the executor's Decision; "always" for a call that can only be allowed once allows it once."""
    decision = DECISIONS[answer]
    return Decision.ONCE if decision is Decision.ALWAYS and request.always_covers is None else decision


async def open_session(settings: Settings, request: TaskRequest, resume: str | None, workspace: Path) -> Session:
    """The task's session, opened in a thread (plugins are imported, instructions read): the service's loop goes on."""
    return await asyncio.to_thread(Session.open, settings, resume=resume, origin="service", workspace=workspace)
