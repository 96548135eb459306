"""Textual's terminal driver, made safe for a terminal that goes away.

When the terminal window closes, the kernel sends SIGHUP and then SIGCONT, and every write
to the terminal fails. Textual's driver (8.x) answers the SIGCONT by starting application
mode again, though it was never suspended, and its writer thread dies on the first failed
write; the next 30 writes then fill the thread's queue and the app hangs for ever while it
shuts down, before the process can exit. Here a write to a vanished terminal is dropped, and
SIGCONT resumes only after the driver's own SIGTSTP (Ctrl+Z).
"""

from __future__ import annotations

from io import TextIOWrapper
from typing import IO, Any, cast

from textual.drivers.linux_driver import LinuxDriver


class _Output:
    """The terminal as Textual's writer thread sees it: writes that fail (EIO after a hangup) are dropped."""

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.gone = stream is None

    def write(self, text: str) -> int:
        if self.stream is not None and not self.gone:
            try:
                self.stream.write(text)
            except OSError:
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if self.stream is not None and not self.gone:
            try:
                self.stream.flush()
            except OSError:
                self.gone = True

    def fileno(self) -> int:
        return self.stream.fileno() if self.stream is not None else -1

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()


class TerminalDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._suspended = False
        super().__init__(*args, **kwargs)
        self._file = cast(TextIOWrapper, _Output(self._file))  # Textual's writer thread only writes and flushes it

    def _sigtstp_application(self, *args: Any) -> None:
        self._suspended = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        if self._suspended:
            self._suspended = False
            super()._sigcont_application(*args)
