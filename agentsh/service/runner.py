"""`TaskManager`: the service's tasks. Each is one session turn, run when a slot is free (at most `concurrency` at once;
turns on one session one after another), its events kept for the clients that follow them.

Statuses: queued → running ⇄ input-required (a tool call waits for an approval) → completed | failed | cancelled.
A task cancelled while it runs is stopped like Ctrl+C in the shell: the turn is saved as interrupted and a planner's
saga undoes its completed work. At start, queued tasks run again and those a stopped service left running are
marked failed ("interrupted: the service stopped").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import AgentshError
from ..events import ApprovalRequest, SessionInfo
from ..modes import get_mode
from ..modes.answer_schema import answer_model
from ..session import Session
from ..store.records import now, workspace_of
from ..store.sessions import SessionStore
from ..tools.approval import Decision
from .logs import TaskLog, TaskLogs
from .schema import ACTIVE, FINAL, PendingApproval, TaskRequest, TaskView
from .tasks import INTERRUPTED, TaskStore
from .turn import Outcome, TaskTurn, decide, decision_for, open_session, task_settings, workspace_for

STOP_WAIT = 20.0  # seconds a cancelled turn gets to save itself (and undo a plan) before DELETE answers anyway


@dataclass
class _Run:
    """A task this service is running or will run."""

    task_id: str
    request: TaskRequest
    log: TaskLog
    status: str = "queued"
    task: asyncio.Task | None = None
    session: Session | None = None
    pending: dict[str, ApprovalRequest] = field(default_factory=dict)
    stop: str | None = None  # why it must stop: "cancel" (DELETE) or "shutdown"
    interrupt_due: bool = False  # asked to stop before its turn was running: interrupt it once it is


class TaskManager:
    def __init__(self, settings: Settings, home: Path, concurrency: int = 4, workspace: Path | None = None) -> None:
        self.settings, self.home = settings, home
        self.workspace = (workspace or Path.cwd()).resolve()
        self.store = TaskStore.open(home, settings.store_timeout)
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._runs: dict[str, _Run] = {}
        self._logs = TaskLogs()
        self._session_locks: dict[str, asyncio.Lock] = {}
        self.last_activity = time.monotonic()
        self.stopping = False

    # the API -------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Mark what a stopped service left running as failed, and run the queued tasks again."""
        self.store.mark_interrupted()
        for task_id in self.store.queued():
            self._launch(task_id, self.store.request(task_id))

    async def submit(self, request: TaskRequest) -> TaskView:
        """Queue a task; UsageError (nothing stored) when the request cannot run as given."""
        self._check(request)
        view = self.store.insert(request)
        self._launch(view.id, request)
        return view

    def get(self, task_id: str) -> TaskView | None:
        view = self.store.get(task_id)
        return view if view is None else self._with_pending(view)

    def _with_pending(self, view: TaskView) -> TaskView:
        """The stored view, with the approvals its running turn waits for."""
        run = self._runs.get(view.id)
        if run is None or not run.pending:
            return view
        pending = [PendingApproval.model_validate(r.model_dump(include={"id", "name", "arguments", "always_covers", "hints"})) for r in run.pending.values()]
        return view.model_copy(update={"pending_approvals": pending})

    def list(self, status: str | None = None, limit: int = 50) -> list[TaskView]:
        return [self._with_pending(view) for view in self.store.tasks(status, limit)]

    async def cancel(self, task_id: str) -> TaskView | None:
        """Stop a task: a queued one never runs, a running one is interrupted and saved. Its view (final already:
        unchanged; the caller says it had finished)."""
        run = self._runs.get(task_id)
        if run is None:
            return self.get(task_id)
        self._stop(run, "cancel")
        if run.task is not None:
            await asyncio.wait([run.task], timeout=STOP_WAIT)
        return self.get(task_id)

    async def answer(self, task_id: str, approval_id: str, decision: str) -> TaskView | None:
        """Answer a pending approval ("allow", "deny" or "always"); None when there is no such approval."""
        run = self._runs.get(task_id)
        request = run.pending.pop(approval_id, None) if run else None
        if run is None or request is None:
            return None
        decide(request, decision_for(decision, request))
        if not run.pending and run.status == "input-required":
            self._set_status(run, "running")
        return self.get(task_id)

    async def events(self, task_id: str, after: int = 0) -> AsyncIterator[tuple[int, str, dict[str, Any]]]:
        """The task's events after seq `after`, as they come, until its final status."""
        async for seq, name, data, _line in self.entries(task_id, after):
            yield seq, name, data

    def entries(self, task_id: str, after: int = 0) -> AsyncIterator[tuple[int, str, dict[str, Any], str]]:
        """`events` with each event's JSON line (as `agentsh run --json` prints it)."""
        log = self._logs.get(task_id) or self._rebuilt(task_id)
        return log.follow(after)

    def counts(self) -> dict[str, int]:
        statuses = [run.status for run in self._runs.values()]
        return {"running": sum(s in ("running", "input-required") for s in statuses), "queued": statuses.count("queued")}

    def busy(self) -> bool:
        return bool(self._runs)

    async def shutdown(self) -> None:
        """The service stops: queued tasks stay queued (they run at the next start); running ones are interrupted,
        saved, and marked failed."""
        self.stopping = True
        for run in list(self._runs.values()):
            self._stop(run, "shutdown")
        tasks = [run.task for run in self._runs.values() if run.task is not None]
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_WAIT)
        for task in tasks:
            task.cancel()

    def close(self) -> None:
        """After the server has stopped: nothing uses the tasks table any more."""
        self.store.close()

    # running a task ---------------------------------------------------------------------------------------------

    def _check(self, request: TaskRequest) -> None:
        workspace_for(request, self.workspace)
        self._session_of(request)
        if request.schema_ is not None:
            answer_model(request.schema_)
        if request.mode is not None:
            get_mode(request.mode)

    def _launch(self, task_id: str, request: TaskRequest) -> None:
        run = _Run(task_id, request, self._logs.new(task_id))
        run.log.add("status", {"status": "queued"})
        self._runs[task_id] = run
        run.task = asyncio.create_task(self._execute(run), name=f"agentsh task {task_id}")

    async def _execute(self, run: _Run) -> None:
        values: dict[str, Any]
        try:
            resume = self._session_of(run.request)
            async with self._session_lock(resume), self._slots:
                self._set_status(run, "running", started_at=now())
                status, values = await self._turn(run, resume)
        except asyncio.CancelledError:
            status, values = self._cancelled(run)
        except AgentshError as failure:
            status, values = "failed", {"error": str(failure)}
        except Exception as failure:  # a bug ends the task visibly, never leaves it running
            status, values = "failed", {"error": f"internal error: {type(failure).__name__}: {failure}"}
        self._finish(run, status, values)

    def _session_of(self, request: TaskRequest) -> str | None:
        """The id of the session the task continues (None: a new one); StoreError when there is no such session."""
        sessions = SessionStore(self.store.db)
        if request.session:
            return sessions.get(request.session).id
        if request.continue_latest:
            workspace = workspace_for(request, self.workspace)
            record = sessions.latest(workspace_of(workspace))
            if record is None:
                raise AgentshError(f"no earlier session was started in {workspace}; give a session id instead")
            return record.id
        return None

    def _session_lock(self, session_id: str | None) -> AbstractAsyncContextManager:
        if session_id is None:
            return asyncio.Lock()
        return self._session_locks.setdefault(session_id, asyncio.Lock())

    async def _turn(self, run: _Run, resume: str | None) -> tuple[str, dict[str, Any]]:
        settings = task_settings(self.settings, run.request, self.home)
        session = await open_session(settings, run.request, resume, workspace_for(run.request, self.workspace))
        run.session = session
        try:
            turn = TaskTurn(
                session, run.request, record=lambda name, data, line: self._record(run, name, data, line),
                on_approval=lambda request: self._approval(run, request), on_session=lambda info: self._session_info(run, info),
            )
            return self._outcome(run, await turn.run())
        finally:
            run.session = None
            await session.aclose()
            session.close_store(checkpoint=False)  # the tasks table keeps a connection open: SQLite folds the log at its close

    def _record(self, run: _Run, name: str, data: dict[str, Any], line: str) -> None:
        run.log.add(name, data, line)
        if run.interrupt_due:
            asyncio.get_running_loop().call_soon(self._interrupt, run)

    def _session_info(self, run: _Run, info: SessionInfo) -> None:
        turn_id = self.store.latest_turn(info.session_id)
        self.store.update(run.task_id, session_id=info.session_id, mode=info.mode, model=info.model, turn_id=turn_id)

    def _approval(self, run: _Run, request: ApprovalRequest) -> None:
        if run.stop is not None:
            decide(request, Decision.DENY)
            return
        run.pending[request.id] = request
        if run.status != "input-required":
            self._set_status(run, "input-required")

    def _outcome(self, run: _Run, outcome: Outcome) -> tuple[str, dict[str, Any]]:
        done = outcome.done
        if done is None:
            return "failed", {"error": outcome.error or "the turn did not start"}
        values = {
            "answer": done.output, "input_tokens": done.usage.get("prompt_tokens", 0), "output_tokens": done.usage.get("completion_tokens", 0),
            "cached_tokens": done.usage.get("cached_tokens", 0), "cost": done.cost, "model_calls": done.model_calls,
        }
        if done.interrupted and run.stop == "cancel":
            return "cancelled", values
        if done.interrupted:
            return "failed", {**values, "error": INTERRUPTED}
        if done.failed:
            return "failed", {**values, "error": outcome.error or "the turn failed"}
        return "completed", values

    # stopping ------------------------------------------------------------------------------------------------------

    def _stop(self, run: _Run, why: str) -> None:
        if run.stop is not None:
            return
        run.stop = why
        for request in run.pending.values():
            decide(request, Decision.DENY)
        run.pending.clear()
        if run.status == "queued" and run.task is not None:
            run.task.cancel()
        else:
            run.interrupt_due = True
            self._interrupt(run)

    def _interrupt(self, run: _Run) -> None:
        """Cancel the running turn once (a second cancel would cut a planner's undo short)."""
        if run.interrupt_due and run.session is not None and run.session.turn_running:
            run.interrupt_due = False
            run.session.cancel()

    def _cancelled(self, run: _Run) -> tuple[str, dict[str, Any]]:
        if run.stop == "cancel":
            return "cancelled", {}
        if run.status == "queued":
            return "queued", {}  # the service stops: it runs at the next start
        return "failed", {"error": INTERRUPTED}

    def _set_status(self, run: _Run, status: str, **values: Any) -> None:
        run.status = status
        self.store.update(run.task_id, status=status, **values)
        run.log.add("status", {"status": status})

    def _finish(self, run: _Run, status: str, values: dict[str, Any]) -> None:
        self._runs.pop(run.task_id, None)
        self.last_activity = time.monotonic()
        if status in FINAL:
            self._set_status(run, status, finished_at=now(), **values)
        run.log.finish()

    def _rebuilt(self, task_id: str) -> TaskLog:
        """A finished task whose log was dropped (or that finished before a restart): its stored turn events, then
        its final status. Answer deltas and approvals are not stored, so the seqs differ from the live stream's."""
        log = TaskLog()
        view = self.store.get(task_id)
        turn_id = self.store.turn_id(task_id)
        for name, data in self.store.stored_events(turn_id) if turn_id is not None else []:
            log.add(name, data)
        if view is not None and view.status not in ACTIVE:
            log.add("status", {"status": view.status})
        log.finish()
        return log
