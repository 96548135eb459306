"""`@step`: a plain Python function a workflow's `python` node calls (extract, validate, transform...).

    @step
    def word_count(text: str) -> dict:
        return {"words": len(text.split())}

Defined in a plugin file next to `@tool` functions; the model never sees a step, only workflows do.
Its keyword arguments are the node's `args`; what it returns is the node's output.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .tool import _in_daemon_thread


@dataclass
class StepFunction:
    name: str
    function: Callable[..., Any]
    description: str = ""
    source: str | None = None

    async def run(self, arguments: dict[str, Any]) -> Any:
        """Call the function (a sync one in its own thread); TypeError when the arguments do not fit it."""
        inspect.signature(self.function).bind(**arguments)
        if inspect.iscoroutinefunction(self.function):
            return await self.function(**arguments)
        return await _in_daemon_thread(self.name, self.function, arguments)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def step(function: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Make a function a workflow step. Use as `@step` or `@step(name="other_name")`."""

    def wrap(func: Callable[..., Any]) -> StepFunction:
        summary = (inspect.getdoc(func) or "").split("\n\n")[0]
        return StepFunction(name or func.__name__, func, summary)

    return wrap(function) if function is not None else wrap
