"""How long a tool call may still run, and whether it has been stopped: for work a thread does.

A sync tool runs in a thread, and a thread cannot be killed. When its call times out or its
turn is cancelled, the executor stops waiting at once (the turn goes on) and marks the call's
budget stopped; the thread, left running, learns it through `current()`:

    from agentsh.tools.budget import current
    for item in work:
        current().check()           # raises CallStopped once the call has timed out or been cancelled
        ...; some_library(timeout=current().remaining())

Outside a call (a test or a command calling a tool directly) the budget is unlimited.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


class CallStopped(Exception):
    """The call this work belongs to timed out or was cancelled: nobody waits for its result."""


@dataclass(frozen=True)
class Budget:
    deadline: float = math.inf  # on the time.monotonic() clock
    _stopped: threading.Event = field(default_factory=threading.Event)

    def remaining(self) -> float:
        """Seconds left (0 once stopped); math.inf when there is no limit."""
        return 0.0 if self.stopped else max(0.0, self.deadline - time.monotonic())

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()

    def check(self) -> None:
        """Raise CallStopped once the call is over: stopped, or past its deadline."""
        if self.remaining() <= 0:
            raise CallStopped("the tool call timed out or was cancelled")


_current: ContextVar[Budget | None] = ContextVar("agentsh_tool_budget", default=None)


def current() -> Budget:
    return _current.get() or Budget()


@contextmanager
def limited(seconds: float) -> Iterator[Budget]:
    """A budget of `seconds` for the work started inside (threads copy it); stopped when the block ends."""
    budget = Budget(time.monotonic() + seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        budget.stop()
        _current.reset(token)
