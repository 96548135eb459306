"""Make model and tool text safe to print on a terminal.

Escape sequences are shown, never executed: no title changes, no OSC 52 clipboard
writes, no screen clears, no cursor moves that hide text. For a question the user must
read exactly (an approval), `reveal` also shows what looks like something else.
"""

from __future__ import annotations

import base64
import re
import sys
import unicodedata
from typing import Any, TextIO

from .secrets import redact_secrets

# C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\x1b":
        return "␛"
    if char == "\r":
        return "␍"
    return f"\\x{ord(char):02x}"


def neutralize(text: str) -> str:
    """Replace every control character (but tab and newline) with a visible stand-in, and credentials with ***.

    Everything agentsh writes to a terminal passes here, so this is also where printed text is redacted.
    """
    return _CONTROL.sub(_visible, redact_secrets(text))


# Scripts with letters that pass for Latin ones (Cyrillic "а", Greek "ο", fullwidth "ｌ", ...).
_LOOKALIKE_SCRIPTS = (
    "LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE", "COPTIC", "GEORGIAN", "FULLWIDTH", "HALFWIDTH",
    "MATHEMATICAL", "MODIFIER", "SUPERSCRIPT", "SUBSCRIPT", "SMALL", "DESERET", "LISU", "VAI", "NKO",
)


def _hidden(char: str) -> bool:
    """True for a character that is invisible, moves text, or passes for an ASCII one."""
    if " " <= char <= "~" or char in "\n\t":
        return False
    if char.isascii():  # controls, tab, DEL
        return True
    kept = unicodedata.category(char) in ("Lo", "Lm", "So", "No") and unicodedata.bidirectional(char) in ("L", "ON")
    if not kept or any(c.isascii() for c in unicodedata.normalize("NFKC", char)):
        return True
    return unicodedata.name(char, "").split(" ")[0] in _LOOKALIKE_SCRIPTS


def reveal(text: str) -> str:
    """`text` with every character that could hide or disguise what it says shown as ⟨U+XXXX⟩.

    That is: controls (vertical tab, form feed, escape...; not tab or newline), no-break and other unusual
    spaces, zero-width and bidirectional-override characters, combining marks, right-to-left
    letters, cased letters outside ASCII (Cyrillic "а" for "a"), and anything whose compatibility
    form is ASCII (fullwidth "ｌ"). Printable ASCII, tabs, newlines, emoji and uncased scripts such as
    CJK are kept as they are.
    """
    return "".join(f"⟨U+{ord(c):04X}⟩" if _hidden(c) else c for c in text)


class TerminalGuard:
    """A terminal stream that neutralises everything written to it (see `guard_terminal_streams`)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(neutralize(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def write_control(stream: TextIO | TerminalGuard, sequence: str) -> None:
    """agentsh's own control sequence (clearing its status line) past the guard that neutralises all other text."""
    (stream.stream if isinstance(stream, TerminalGuard) else stream).write(sequence)


def guard_terminal_streams() -> None:
    """Whatever a command prints to a terminal (a plugin's name, a session title, an export) is
    shown, never executed: stdout and stderr, when they are terminals, neutralise every write."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, TerminalGuard) and _is_terminal(stream):
            setattr(sys, name, TerminalGuard(stream))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


CLIPBOARD_LIMIT = 74_000  # bytes of text: many terminals drop an OSC 52 sequence longer than ~100 kB of base64


def clipboard_sequence(text: str) -> str:
    """The OSC 52 escape that asks the terminal to put `text` on the system clipboard (ValueError when too long)."""
    data = text.encode("utf-8", "surrogateescape")
    if len(data) > CLIPBOARD_LIMIT:
        limit = CLIPBOARD_LIMIT // 1000
        raise ValueError(f"{len(data) // 1000} kB is more than a terminal clipboard takes ({limit} kB); /export writes the session to a file")
    return "\x1b]52;c;" + base64.b64encode(data).decode("ascii") + "\x07"
