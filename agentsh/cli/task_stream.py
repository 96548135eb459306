"""A service task's events, printed live as `agentsh run` prints a turn (`jobs attach`, the warm `run`).

The events arrive as the JSON `agentsh run --json` prints; an `EventView` lets run's printers read them
without pydantic. An approval the task waits for is asked on the terminal (denied with run's notice
when there is none) and the answer is sent to the service.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any, cast

from ..errors import ServiceError
from ..tools.approval import Decision
from .printers import Printer, TextPrinter

if TYPE_CHECKING:
    from ..events import ApprovalRequest, Event
    from ..service.client import ServiceClient

EXIT_CANCELLED = 130  # as `agentsh run` stopped by Ctrl-C
_WIRE = {Decision.ONCE: "allow", Decision.ALWAYS: "always", Decision.DENY: "deny"}
_PENDING_CHECKS = 5  # the service lists an approval as pending a moment after it streams it


class EventView:
    """An event's JSON as attributes (the objects in its lists too); `to_json()` gives back the text as received."""

    type: str

    def __init__(self, data: dict[str, Any], text: str | None = None) -> None:
        self._text = text
        for name, value in data.items():
            setattr(self, name, _view(value))

    @classmethod
    def parse(cls, text: str) -> EventView:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ServiceError("the task service sent an event that is not an agentsh event")
        return cls(data, text)

    def to_json(self) -> str:
        if self._text is None:
            fields = {name: value for name, value in vars(self).items() if not name.startswith("_")}
            return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
        return self._text

    @property
    def label(self) -> str:
        """A `waiting` event's status line, as events.Waiting.label words it."""
        agent = getattr(self, "agent", None)
        return f"waiting for the model{f' ({agent})' if agent else ''}: {getattr(self, 'seconds', 0)} s"


def _view(value: Any) -> Any:
    """A list of objects (a recall's memories) as views; a dict stays one (a tool call's arguments, usage)."""
    if isinstance(value, list):
        return [EventView(item) if isinstance(item, dict) else item for item in value]
    return value


def notice(message: str) -> Event:
    """A warning line the client itself adds to a task's output (same JSON as events.Notice)."""
    return cast("Event", EventView({"type": "notice", "message": message, "level": "warning"}))


class TaskFollower:
    """Prints one task's events from the service until its final status; answers its approvals."""

    def __init__(self, client: ServiceClient, task_id: str, printer: Printer) -> None:
        self.client, self.task_id, self.printer = client, task_id, printer
        self.failed = False
        self.error_shown = False

    def run(self) -> int:
        """The exit status `agentsh run` would give for the task's outcome."""
        status = "failed"
        for _seq, name, data in self.client.events(self.task_id):
            if name == "status":
                status = str(json.loads(data).get("status"))
            else:
                self._show(EventView.parse(data))
        return self._exit_status(status)

    def _show(self, event: EventView) -> None:
        self.printer.show(cast("Event", event))
        if event.type == "approval":
            self._decide(cast("ApprovalRequest", event))
        elif event.type == "done":
            self.failed = bool(getattr(event, "failed", False))
        elif event.type == "error":
            self.error_shown = True

    def _decide(self, request: ApprovalRequest) -> None:
        """As `agentsh run`: ask on the terminal when there is one, otherwise deny and say how to allow."""
        if not self._pending(request.id):
            return  # answered already (an earlier attach, another terminal): shown, not asked again
        if isinstance(self.printer, TextPrinter) and sys.stdin.isatty():
            decision = self.printer.ask(request)
        else:
            decision = Decision.DENY
            self.printer.show(notice(f"{request.name} needs approval: re-run with --yes to allow it"))
        try:
            self.client.answer(self.task_id, request.id, _WIRE[decision])
        except ServiceError as refused:
            if refused.status != 404:  # 404: someone else answered it first, or the task ended
                raise

    def _pending(self, approval_id: str) -> bool:
        for _ in range(_PENDING_CHECKS):
            pending = self.client.task(self.task_id).get("pending_approvals") or []
            if any(isinstance(item, dict) and item.get("id") == approval_id for item in pending):
                return True
            time.sleep(0.05)
        return False

    def _exit_status(self, status: str) -> int:
        if status == "cancelled":
            return EXIT_CANCELLED
        if status == "failed" and not self.error_shown:
            error = self.client.task(self.task_id).get("error") or "the task failed"
            self.printer.show(cast("Event", EventView({"type": "error", "message": str(error), "kind": "ServiceError"})))
        return 1 if status == "failed" or self.failed else 0
