"""Await a blocking call in a daemon thread of its own.

`asyncio.to_thread` runs in the loop's default executor, and `asyncio.run` waits for that executor's
threads at exit: a user who quits while litellm is still importing (seconds on a slow machine) would
wait for the import to finish. A daemon thread is simply dropped when the process ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

T = TypeVar("T")


async def in_daemon_thread(function: Callable[[], T], name: str = "agentsh-daemon") -> T:
    """`function()`'s result (or its exception), computed in a daemon thread; cancelling the await abandons it."""
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()  # as to_thread does
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result, error = None, None
        try:
            result = context.run(function)
        except BaseException as caught:
            error = caught
        with suppress(RuntimeError):  # the loop closed meanwhile: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future
