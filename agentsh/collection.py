"""Garbage collection held off while a burst of long-lived objects is built (litellm's import, a long
conversation read from the store): the full collections their allocation triggers scan them all, again
and again, and find no cycle to free."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collection_paused(freeze: bool = False) -> Iterator[None]:
    """No collection inside; with `freeze`, what was built is never scanned again (gc.freeze: it lives as
    long as the process). Collection stays off after it if it was off before (the TUI pauses it at start)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
