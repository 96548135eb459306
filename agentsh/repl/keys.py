"""Keys pressed while a turn runs: Ctrl+C interrupts it, the rest waits for the next prompt.

During a turn no prompt is shown, yet the terminal must not echo keys into the streaming
answer, and Ctrl+C must stop the turn rather than kill the program. So the input is put
in raw mode (Ctrl+C arrives as a key, not as SIGINT) and read here; anything else typed
is kept as prompt-toolkit type-ahead, which the next prompt receives as if typed there.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyPress
from prompt_toolkit.keys import Keys


@contextmanager
def watch_turn_keys(keyboard: Input, interrupt: Callable[[], None]) -> Iterator[None]:
    def ready() -> None:
        route_keys(keyboard, keyboard.read_keys(), interrupt)

    route_keys(keyboard, get_typeahead(keyboard), interrupt)  # a Ctrl+C pressed before the turn started
    with keyboard.raw_mode(), keyboard.attach(ready), interrupt_on_sigint(interrupt):
        yield


def route_keys(keyboard: Input, keys: list[KeyPress], interrupt: Callable[[], None]) -> None:
    """Ctrl+C interrupts and drops what was typed before it (as Ctrl+C at a prompt clears the line)."""
    stops = [index for index, key in enumerate(keys) if key.key == Keys.ControlC]
    if stops:
        interrupt()
        keys = keys[stops[-1] + 1 :]
    store_typeahead(keyboard, keys)


@contextmanager
def interrupt_on_sigint(interrupt: Callable[[], None]) -> Iterator[None]:
    """SIGINT (Ctrl+C on a terminal not in raw mode, or `kill -INT`) interrupts the turn, not the program."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)
    except (NotImplementedError, RuntimeError):  # no signal support here: Ctrl+C keeps its default meaning
        yield
        return
    try:
        yield
    finally:
        with suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
