"""Each task's events, kept in memory while it runs and for a while after: what GET /v1/tasks/ID/events streams.

An entry is (seq, name, data, line): seq counts from 1 per task, `line` is the data as `agentsh run --json` prints it.
Finished tasks' logs are dropped beyond KEEP_FINISHED of them or after KEEP_SECONDS; a dropped one is rebuilt from
the store when asked for (runner.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

KEEP_FINISHED = 200
KEEP_SECONDS = 3600.0

Entry = tuple[int, str, dict[str, Any], str]


class TaskLog:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.finished_at: float | None = None
        self._changed = asyncio.Event()

    def add(self, name: str, data: dict[str, Any], line: str | None = None) -> int:
        seq = len(self.entries) + 1
        self.entries.append((seq, name, data, line if line is not None else json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
        self._wake()
        return seq

    def finish(self) -> None:
        """No more entries: followers get what is left and stop."""
        self.finished_at = time.monotonic()
        self._wake()

    async def follow(self, after: int = 0) -> AsyncIterator[Entry]:
        """Every entry after seq `after`, as they come, until the log is finished."""
        index = max(after, 0)
        while True:
            changed = self._changed
            while index < len(self.entries):
                yield self.entries[index]
                index += 1
            if self.finished_at is not None:
                return
            await changed.wait()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()


class TaskLogs:
    """The logs by task id; finished ones are dropped when too many or too old."""

    def __init__(self, keep: int = KEEP_FINISHED, seconds: float = KEEP_SECONDS) -> None:
        self._logs: OrderedDict[str, TaskLog] = OrderedDict()
        self.keep, self.seconds = keep, seconds

    def new(self, task_id: str) -> TaskLog:
        self._forget_old()
        log = self._logs[task_id] = TaskLog()
        return log

    def get(self, task_id: str) -> TaskLog | None:
        return self._logs.get(task_id)

    def _forget_old(self) -> None:
        finished = [(task_id, log) for task_id, log in self._logs.items() if log.finished_at is not None]
        cutoff = time.monotonic() - self.seconds
        for index, (task_id, log) in enumerate(finished):
            if index < len(finished) - self.keep or (log.finished_at or 0) < cutoff:
                del self._logs[task_id]
