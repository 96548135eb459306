"""Bracketed pastes, cut out of the terminal's input whole, before Textual's parser sees them.

Textual's parser (8.x) reads a paste one character at a time, and an escape sequence inside
it ends its paste handling: the characters after an ESC came out as key presses, out of
order, and the paste itself lost them (a 3 KB paste with colour codes was stored with words
dropped and reordered); a 100 KB paste took minutes. Here the text between the terminal's
start and end markers is found with `str.find` and becomes one `events.Paste`, whatever it
holds: escape sequences are characters of the paste (shown, never interpreted), as in the REPL.
"""

from __future__ import annotations

from typing import Generator, Iterator, Union

from textual import events

START = "\x1b[200~"
END = "\x1b[201~"

Piece = Union[str, events.Paste]  # str: input for Textual's parser


def _marker_start(data: str, marker: str) -> int:
    """How many characters at the end of `data` could begin `marker` (so wait for the rest)."""
    for length in range(min(len(marker) - 1, len(data)), 0, -1):
        if data.endswith(marker[:length]):
            return length
    return 0


class PasteSplitter:
    """Feed it the terminal's input as it arrives; it gives back, in order, the input for the
    parser and each paste whole. The end of a read that may be the start of a marker is held
    back until the next read, or until `flush` says no more came."""

    def __init__(self) -> None:
        self.pasting = False
        self.held = ""
        self._paste: list[str] = []

    @property
    def holding(self) -> bool:
        """Input is held back as a possible paste start: flush it if no more arrives soon."""
        return bool(self.held) and not self.pasting

    def feed(self, data: str) -> Iterator[Piece]:
        data, self.held = self.held + data, ""
        while data:
            data = yield from (self._in_paste(data) if self.pasting else self._outside(data))

    def flush(self) -> str:
        """The held-back input, which turned out not to start a paste."""
        held, self.held = ("", self.held) if self.pasting else (self.held, "")
        return held

    def _outside(self, data: str) -> Generator[Piece, None, str]:
        """Input for the parser up to a paste's start; returns what follows the marker."""
        start = data.find(START)
        if start < 0:
            keep = _marker_start(data, START)
            self.held = data[len(data) - keep:]
            if len(data) > keep:
                yield data[: len(data) - keep]
            return ""
        if start:
            yield data[:start]
        self.pasting = True
        return data[start + len(START):]

    def _in_paste(self, data: str) -> Generator[Piece, None, str]:
        """The paste, once its end is found; returns what follows the end marker."""
        end = data.find(END)
        if end < 0:
            keep = _marker_start(data, END)
            self._paste.append(data[: len(data) - keep])
            self.held = data[len(data) - keep:]
            return ""
        self._paste.append(data[:end])
        text, self._paste, self.pasting = "".join(self._paste), [], False
        yield events.Paste(text)
        return data[end + len(END):]


def normalize_newlines(text: str) -> str:
    """Terminals paste line ends as CR (or CR LF); the text is stored with LF, as the REPL does."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
