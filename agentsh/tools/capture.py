"""What plugin code prints (at import, in a tool, in a hook) is captured, never written to agentsh's own
stdout or stderr, where it would corrupt `run --json` or the screen.

`sys.stdout` and `sys.stderr` are process-global: swapping them around plugin code would also catch
what agentsh prints meanwhile (the JSON printer on another task, another tool in its thread). So once
any capture starts, both become a router that sends each write to the capture of the context it comes
from (a ContextVar: an asyncio task, or a thread started with a copy of the context, as sync tools
are) and every other write to the real stream. The router stays: a tool thread that outlives its
timeout still prints into its own (abandoned) capture.

Not captured: writes to file descriptors 1 and 2 directly (`os.write`, a subprocess, C code).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

MAX_CAPTURED_CHARS = 4000  # kept per capture; the rest is counted, not stored


class Captured:
    """The text one piece of plugin code printed, up to MAX_CAPTURED_CHARS."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def add(self, text: str) -> None:
        room = MAX_CAPTURED_CHARS - self.kept
        self.parts.append(text[:room])
        self.kept += min(len(text), room)
        self.dropped += max(0, len(text) - room)

    def text(self) -> str:
        """What was printed, stripped; with a note of how much was cut."""
        printed = "".join(self.parts).strip()
        return printed + (f" … ({self.dropped} more characters)" if self.dropped else "")


_capture: ContextVar[Captured | None] = ContextVar("agentsh_plugin_output", default=None)
_install_lock = threading.Lock()


class _Router:
    """Stands in for sys.stdout / sys.stderr: a captured context's writes go to its capture."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        captured = _capture.get()
        if captured is not None:
            captured.add(str(text))
            return len(text)
        return self._stream.write(text) if self._stream is not None else len(text)

    def flush(self) -> None:
        if _capture.get() is None and self._stream is not None:
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def captured_output() -> Iterator[Captured]:
    """Capture what this context (and threads started with a copy of it) prints while inside."""
    _install_routers()
    captured = Captured()
    token = _capture.set(captured)
    try:
        yield captured
    finally:
        _capture.reset(token)


def _install_routers() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _Router):
            sys.stdout = _Router(sys.stdout)
        if not isinstance(sys.stderr, _Router):
            sys.stderr = _Router(sys.stderr)
