"""`agentsh run --background` and `agentsh jobs list|status|cancel|attach`: turns handed to the task service.

The service is started on demand (service/launch.py) and stops itself when idle. Every text of a task
(prompt, answer, error, a tool call's arguments) is a model's or a user's: shown neutralised, on one line
in a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Settings, data_home, settings_from_args
from ..costs import dollars
from ..errors import ServiceError, UsageError
from ..service.client import ServiceClient
from ..service.launch import ensure_service
from ..terminal import neutralize
from .printers import TextPrinter
from .support import out, print_json
from .task_stream import TaskFollower
from .warm import task_request

DEFAULT_IDLE_TIMEOUT = 600.0  # seconds a service started on demand waits for work before it stops
NO_SERVICE = "no service is running (start one with agentsh serve, or agentsh run --background)"
_NOT_IN_BACKGROUND = {
    "plugins": "--plugins", "project_store": "--project-store", "max_steps": "--max-steps", "continue_anywhere": "--any",
}


def run_in_background(args: argparse.Namespace, prompt: str, words: int | None, schema: Any) -> int:
    """The turn handed to the service (started if needed): its id on stdout, how to follow it on stderr."""
    _refuse_what_the_service_cannot_carry(args)
    settings = settings_from_args(args)
    client = ensure_service(data_home(settings), _idle_timeout(settings))
    try:
        task = client.submit(task_request(args, prompt, words, schema, origin="background"))
    except ServiceError as refused:
        raise (UsageError(str(refused)) if refused.status in (400, 422) else refused) from None
    finally:
        client.close()
    if args.json:
        print_json(task)
    else:
        out(str(task["id"]))
    print(f"agentsh: running in the background: follow it with agentsh jobs attach {neutralize(str(task['id']))}", file=sys.stderr)
    return 0


def _refuse_what_the_service_cannot_carry(args: argparse.Namespace) -> None:
    for name, flag in _NOT_IN_BACKGROUND.items():
        value = getattr(args, name, None)
        if value not in (None, False, []):
            raise UsageError(f"{flag} cannot be used with --background (the service runs the turn with its own settings); drop one of them")


def _idle_timeout(settings: Settings) -> float:
    service = getattr(settings, "service", None)
    return float(getattr(service, "idle_timeout", DEFAULT_IDLE_TIMEOUT))


def jobs_command(args: argparse.Namespace) -> int:
    client = ServiceClient.for_home(_home(args))
    if client is None:
        if args.jobs_command == "list":
            print(NO_SERVICE)
            return 0
        raise ServiceError(f"{NO_SERVICE}: no task {neutralize(args.id)!r} to show")
    try:
        return int(_HANDLERS[args.jobs_command](client, args) or 0)
    except ServiceError as refused:
        if refused.status == 404 and getattr(args, "id", None):
            raise ServiceError(f"no task {neutralize(args.id)!r} (agentsh jobs list shows them)", 404) from None
        raise
    finally:
        client.close()


def _home(args: argparse.Namespace) -> Path:
    return data_home(settings_from_args(args))


def _list(client: ServiceClient, args: argparse.Namespace) -> None:
    tasks = client.tasks(args.status, args.limit)
    if args.json:
        print_json(tasks)
        return
    if not tasks:
        print(f"no {args.status} tasks" if args.status else "no tasks yet: start one with agentsh run --background PROMPT")
        return
    for line in task_table(tasks, shutil.get_terminal_size().columns, datetime.now(UTC)):
        out(line)


def task_table(tasks: list[dict[str, Any]], width: int, now: datetime) -> list[str]:
    """One line a task: id, status, mode, age, and the prompt cut to what is left of `width`."""
    rows = [(_cell(t.get("id")), _cell(t.get("status")), _cell(t.get("mode") or "-"), _age(t.get("created_at"), now), _cell(t.get("prompt"))) for t in tasks]
    widths = [max(len(row[column]) for row in [*rows, ("ID", "STATUS", "MODE", "AGE", "")]) for column in range(4)]
    lines = []
    for row in [("ID", "STATUS", "MODE", "AGE", "PROMPT"), *rows]:
        head = "  ".join(cell.ljust(size) for cell, size in zip(row[:4], widths, strict=True)) + "  "
        lines.append(head + _cut(row[4], max(width - len(head) - 1, 10)))
    return lines


def _cell(value: object) -> str:
    """A task's text as one line of visible characters: escape sequences and newlines are shown, never run."""
    return neutralize(" ".join(str(value if value is not None else "").split()))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _age(stamp: object, now: datetime) -> str:
    try:
        created = datetime.fromisoformat(str(stamp))
    except ValueError:
        return "?"
    seconds = max((now - (created if created.tzinfo else created.replace(tzinfo=UTC))).total_seconds(), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def _status(client: ServiceClient, args: argparse.Namespace) -> None:
    task = client.task(args.id)
    if args.json:
        print_json(task)
        return
    for line in status_lines(task):
        out(line)


def status_lines(task: dict[str, Any]) -> list[str]:
    usage = task.get("usage") or {}
    cost = task.get("cost")
    lines = [
        f"{_cell(task.get('id'))}  {_cell(task.get('status'))}",
        f"  prompt: {_cell(task.get('prompt'))}",
        f"  mode {_cell(task.get('mode') or '-')} · model {_cell(task.get('model') or '-')} · session {_cell(task.get('session_id') or '-')}",
        f"  created {_cell(task.get('created_at'))} · started {_cell(task.get('started_at') or '-')} · finished {_cell(task.get('finished_at') or '-')}",
        f"  {usage.get('input', 0)} input / {usage.get('output', 0)} output tokens · {task.get('model_calls', 0)} model calls · "
        f"cost {'unknown' if cost is None else dollars(cost)}",
    ]
    for approval in task.get("pending_approvals") or []:
        call = json.dumps(approval.get("arguments"), ensure_ascii=False)
        lines.append(f"  waiting for approval: {_cell(approval.get('name'))}({_cut(_cell(call), 200)}) · answer it with agentsh jobs attach ID")
    if task.get("error"):
        lines.append(f"  error: {_cell(task['error'])}")
    if task.get("answer"):
        lines.append("  answer:")
        lines.extend(f"    {neutralize(line)}" for line in str(task["answer"]).splitlines())
    return lines


def _cancel(client: ServiceClient, args: argparse.Namespace) -> int:
    try:
        task = client.cancel(args.id)
    except ServiceError as refused:
        if refused.status != 409:
            raise
        print(f"agentsh: task {neutralize(args.id)} has already finished; nothing to cancel", file=sys.stderr)
        return 1
    out(f"cancelled {_cell(task.get('id'))} (a running turn is saved, marked interrupted)")
    return 0


def _attach(client: ServiceClient, args: argparse.Namespace) -> int:
    client.task(args.id)  # an unknown id is one line, before anything is printed
    try:
        return TaskFollower(client, args.id, TextPrinter(sys.stdout, sys.stderr)).run()
    except KeyboardInterrupt:
        print(f"\nagentsh: detached; the task goes on (agentsh jobs attach {neutralize(args.id)}, or agentsh jobs cancel it)", file=sys.stderr)
        return 130


_HANDLERS = {"list": _list, "status": _status, "cancel": _cancel, "attach": _attach}
