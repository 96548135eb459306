"""SIGTERM and SIGHUP (a `kill`, a closed terminal window, a logout) stop agentsh in order.

The default action of both is to die at once: the running turn would stay `running` in the
store with only its last checkpoint, a shell command's process group would keep running and
the terminal would be left in the alternate screen. Instead the work is cancelled, exactly as
Esc / Ctrl+C cancels a turn (the session saves everything shown so far, marked interrupted,
and cancelling `run_shell` stops its process group), the UI restores the terminal, and the
process exits with the conventional status, 128 + the signal's number.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from contextlib import suppress
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def exit_status(signum: int) -> int:
    """143 for SIGTERM, 129 for SIGHUP: what a shell reports for a process the signal killed."""
    return 128 + signum


def on_stop_signals(stop: Callable[[int], None]) -> Callable[[], None]:
    """From now on, SIGTERM and SIGHUP call `stop(signum)` in the running loop instead of killing the
    process. Returns what puts the default actions back. Only the main thread can catch signals."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)

    def remove() -> None:
        for signum in STOP_SIGNALS:
            with suppress(RuntimeError, ValueError):  # the loop is already closed
                loop.remove_signal_handler(signum)

    return remove


async def stoppable(work: Coroutine[Any, Any, int]) -> int:
    """Run `work`; SIGTERM or SIGHUP cancels it (its `finally` blocks save and clean up) and gives
    128 + the signal's number as the exit status."""
    task = asyncio.current_task()
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    remove = on_stop_signals(stop)
    try:
        status = await work
    except asyncio.CancelledError:
        if not received:
            raise
        return exit_status(received[0])
    finally:
        remove()
    return exit_status(received[0]) if received else status


def say_stopped(status: int) -> None:
    """One line on stderr for an exit status `stoppable` gave, when a signal stopped the work."""
    if status <= 128:
        return
    with suppress(OSError, ValueError):  # after SIGHUP the terminal may be gone
        name = signal.Signals(status - 128).name
        print(f"\nagentsh: stopped by {name}: the running turn, if any, is saved, marked interrupted", file=sys.stderr)
