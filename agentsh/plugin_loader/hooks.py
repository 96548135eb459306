"""Event hooks (choreography): plugin functions that run when an event of a type is emitted.

    from agentsh import on

    @on("tool_result")
    def audit(event):
        ...

A hook may be sync or async. A hook that fails is reported and never breaks the turn.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..tools.capture import captured_output

ANY_EVENT = "*"


@dataclass
class Hook:
    event_type: str
    function: Callable[..., Any]
    source: str | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def on(event_type: str) -> Callable[[Callable[..., Any]], Hook]:
    """Subscribe the decorated function to events of `event_type` ("tool_result", "done", ... or "*")."""

    def wrap(function: Callable[..., Any]) -> Hook:
        return Hook(event_type=event_type, function=function)

    return wrap


class HookBus:
    def __init__(self) -> None:
        self.hooks: list[Hook] = []
        self._tasks: set[asyncio.Task] = set()

    def dispatch(self, event: Any, report: Callable[[str], None]) -> None:
        """Call every matching hook; failures are passed to `report` as one line each."""
        for hook in [h for h in self.hooks if h.event_type in (event.type, ANY_EVENT)]:
            with captured_output() as printed:  # a hook's print() must not reach agentsh's stdout
                try:
                    result = hook.function(event)
                except Exception as error:
                    report(_failure(hook, error))
                    continue
                finally:
                    if printed.text():
                        report(f"event hook {hook.function.__name__} printed: {printed.text()}")
            if inspect.isawaitable(result):
                self._watch(hook, _captured(hook, result, report), report)

    def _watch(self, hook: Hook, awaitable: Any, report: Callable[[str], None]) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)

        def finished(done: asyncio.Task) -> None:
            self._tasks.discard(done)
            error = None if done.cancelled() else done.exception()
            if error is not None:
                report(_failure(hook, error))

        task.add_done_callback(finished)


async def _captured(hook: Hook, awaitable: Any, report: Callable[[str], None]) -> Any:
    with captured_output() as printed:
        try:
            return await awaitable
        finally:
            if printed.text():
                report(f"event hook {hook.function.__name__} printed: {printed.text()}")


def _failure(hook: Hook, error: BaseException) -> str:
    where = f" in {hook.source}" if hook.source else ""
    return f"event hook {hook.function.__name__}{where} failed: {type(error).__name__}: {error}"
