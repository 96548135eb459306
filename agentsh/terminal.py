"""Make model and tool text safe to print on a terminal.

Escape sequences are shown, never executed: no title changes, no OSC 52 clipboard
writes, no screen clears, no cursor moves that hide text.
"""

from __future__ import annotations

import re

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
    """Replace every control character (but tab and newline) with a visible stand-in."""
    return _CONTROL.sub(_visible, text)
