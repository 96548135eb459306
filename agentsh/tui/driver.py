"""Textual's terminal driver, made safe for a terminal that goes away, and for pastes.

When the terminal window closes, the kernel sends SIGHUP and then SIGCONT, and every write
to the terminal fails. Textual's driver (8.x) answers the SIGCONT by starting application
mode again, though it was never suspended, and its writer thread dies on the first failed
write; the next 30 writes then fill the thread's queue and the app hangs for ever while it
shuts down, before the process can exit. Here a write to a vanished terminal is dropped, and
SIGCONT resumes only after the driver's own SIGTSTP (Ctrl+Z).

The input thread hands bracketed pastes to the app whole (see paste.py) and everything else
to Textual's own parser.
"""

from __future__ import annotations

import fcntl
import os
import selectors
import struct
import termios
from codecs import getincrementaldecoder
from io import TextIOWrapper
from typing import IO, Any, cast

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from .paste import PasteSplitter

READ_BYTES = 64 * 1024
IDLE = 0.1  # seconds between checks for the app's exit while no input comes
MARKER_WAIT = 0.01  # seconds to wait for the rest of what may be a paste's start marker


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
        self._typed_in_line_mode = 0
        super().__init__(*args, **kwargs)
        self._file = cast(TextIOWrapper, _Output(self._file))  # Textual's writer thread only writes and flushes it

    def _sigtstp_application(self, *args: Any) -> None:
        self._suspended = True
        super()._sigtstp_application(*args)

    def _sigcont_application(self, *args: Any) -> None:
        if self._suspended:
            self._suspended = False
            super()._sigcont_application(*args)

    def run_input_thread(self) -> None:
        """Textual's input loop, with pastes cut out before its parser (which reads one character at a time)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        splitter = PasteSplitter()
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        self._typed_in_line_mode = self._waiting_bytes()
        try:
            while not self.exit_event.is_set():
                if selector.select(MARKER_WAIT if splitter.holding else IDLE):
                    data = self._read()
                    if not data:  # the terminal is gone: nothing more will come
                        self.exit_event.wait()
                        break
                    pieces = list(splitter.feed(decode(data)))
                else:
                    pieces = [splitter.flush()] if splitter.holding else []
                self._dispatch(parser, pieces)
        finally:
            selector.close()
            try:
                for _ in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    def _read(self) -> bytes:
        try:
            data = os.read(self.fileno, READ_BYTES)
        except OSError:  # EIO after a hangup
            return b""
        return self._with_enters_back(data)

    def _waiting_bytes(self) -> int:
        """How many bytes were typed before the app started reading, while the terminal was still in line mode."""
        try:
            return int(struct.unpack("i", fcntl.ioctl(self.fileno, termios.FIONREAD, b"\0\0\0\0"))[0])
        except OSError:
            return 0

    def _with_enters_back(self, data: bytes) -> bytes:
        """Line mode turned each Enter typed before the start into a line feed, which reads as Ctrl+J (a new line
        in the message): a message typed and sent as the app starts is sent, not left with a new line."""
        early = min(self._typed_in_line_mode, len(data))
        if not early:
            return data
        self._typed_in_line_mode -= early
        return data[:early].replace(b"\n", b"\r") + data[early:]

    def _dispatch(self, parser: XTermParser, pieces: list[Any]) -> None:
        for piece in pieces:
            for message in parser.feed(piece) if isinstance(piece, str) else [piece]:
                self.process_message(message)
        for message in parser.tick():
            self.process_message(message)
