"""The tasks table (migration m015_svc_tasks): each task's request, status and outcome, in the data home's database.

Every write is one BEGIN IMMEDIATE transaction (store.db.write_transaction), as everywhere in the store.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..store.db import DB_FILENAME, open_database, write_transaction
from ..store.records import now
from .schema import TaskRequest, TaskView, Usage

INTERRUPTED = "interrupted: the service stopped"
_COLUMNS = (
    "id, status, prompt, mode, model, session_id, answer, error, input_tokens, output_tokens, cached_tokens, cost, "
    "model_calls, created_at, started_at, finished_at, origin"
)


class TaskStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, home: Path, timeout: float) -> TaskStore:
        return cls(open_database(home / DB_FILENAME, timeout))

    def close(self) -> None:
        self.db.conn.close()

    def insert(self, request: TaskRequest) -> TaskView:
        task_id = uuid.uuid4().hex[:12]
        row = [task_id, "queued", request.prompt, request.model_dump_json(), request.mode, request.model, request.origin, now()]
        sql = "INSERT INTO tasks (id, status, prompt, request, mode, model, origin, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        with write_transaction(self.db):
            self.db.execute(sql, row)
        view = self.get(task_id)
        assert view is not None
        return view

    def update(self, task_id: str, **values: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in values)
        with write_transaction(self.db):
            self.db.execute(f"UPDATE tasks SET {assignments} WHERE id = ?", [*values.values(), task_id])

    def get(self, task_id: str) -> TaskView | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM tasks WHERE id = ?", [task_id]).fetchone()
        return _view(row) if row else None

    def tasks(self, status: str | None, limit: int) -> list[TaskView]:
        where, values = ("WHERE status = ?", [status]) if status else ("", [])
        sql = f"SELECT {_COLUMNS} FROM tasks {where} ORDER BY created_at DESC, rowid DESC LIMIT ?"
        return [_view(row) for row in self.db.execute(sql, [*values, limit]).fetchall()]

    def request(self, task_id: str) -> TaskRequest:
        (text,) = self.db.execute("SELECT request FROM tasks WHERE id = ?", [task_id]).fetchone()
        return TaskRequest.model_validate_json(text)

    def turn_id(self, task_id: str) -> int | None:
        row = self.db.execute("SELECT turn_id FROM tasks WHERE id = ?", [task_id]).fetchone()
        return row[0] if row else None

    def queued(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM tasks WHERE status = 'queued' ORDER BY created_at, rowid")]

    def mark_interrupted(self) -> int:
        """At start: the tasks a stopped service left running or waiting for an answer have failed."""
        sql = "UPDATE tasks SET status = 'failed', error = ?, finished_at = ? WHERE status IN ('running', 'input-required')"
        with write_transaction(self.db):
            return self.db.execute(sql, [INTERRUPTED, now()]).rowcount

    def latest_turn(self, session_id: str) -> int | None:
        row = self.db.execute("SELECT max(id) FROM turns WHERE session_id = ?", [session_id]).fetchone()
        return row[0] if row else None

    def stored_events(self, turn_id: int) -> list[tuple[str, dict[str, Any]]]:
        """A finished turn's stored events (what the store keeps: no answer deltas, no questions), in order."""
        rows = self.db.execute("SELECT type, data FROM events WHERE turn_id = ? ORDER BY id", [turn_id]).fetchall()
        return [(kind, {k: v for k, v in json.loads(data).items() if k != "at"}) for kind, data in rows]


def _view(row: tuple) -> TaskView:
    (task_id, status, prompt, mode, model, session_id, answer, error, input_tokens, output_tokens, cached, cost, calls,
     created, started, finished, origin) = row
    return TaskView(
        id=task_id, status=status, prompt=prompt, mode=mode, model=model, session_id=session_id, answer=answer, error=error,
        usage=Usage(input=input_tokens, output=output_tokens, cached=cached), cost=cost, model_calls=calls,
        created_at=created, started_at=started, finished_at=finished, origin=origin,
    )
