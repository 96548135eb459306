"""A tool call as the approval question shows it: whole, with nothing hidden.

Every UI asks the same question from these segments. Nothing is cut: a long argument wraps
(and scrolls in the app). Characters that could hide or disguise text are shown as
⟨U+XXXX⟩ and control characters as escapes; in a shell command, what makes it run more than
one program or touch files it does not name (operators, substitutions, redirections, a line
break) is marked so each UI can highlight it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ..terminal import neutralize, reveal

Kind = Literal["text", "key", "operator"]
Segment = tuple[str, Kind]

SHELL_ARGUMENTS = {"command", "cmd", "script"}
# Longest first, so `&&` is one operator and not two `&`.
_SHELL_OPERATORS = re.compile(r"&&|\|\||>>|<<|\$\(|\|&|[;|&<>`\n]")


def call_segments(arguments: dict[str, Any] | str) -> list[Segment]:
    """`key: value` lines for each argument (the raw text when the model sent no JSON object)."""
    if not isinstance(arguments, dict):
        return [(shown(arguments), "text")]
    segments: list[Segment] = []
    for index, (key, value) in enumerate(arguments.items()):
        if index:
            segments.append(("\n", "text"))
        segments.append((f"{shown(str(key))}: ", "key"))
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        segments += shell_segments(text) if key in SHELL_ARGUMENTS and isinstance(value, str) else [(shown(text), "text")]
    return segments


def shell_segments(command: str) -> list[Segment]:
    """A shell command with its operators marked; a line break shows as ↵ and starts a new line."""
    segments: list[Segment] = []
    position = 0
    for match in _SHELL_OPERATORS.finditer(command):
        if match.start() > position:
            segments.append((shown(command[position:match.start()]), "text"))
        operator = match.group(0)
        segments.append(("↵\n" if operator == "\n" else operator, "operator"))
        position = match.end()
    if position < len(command):
        segments.append((shown(command[position:]), "text"))
    return segments


def is_compound(arguments: dict[str, Any] | str) -> bool:
    """True when a shell argument would run more than one thing or redirect (worth saying out loud)."""
    return any(kind == "operator" for _, kind in call_segments(arguments))


def plain_text(segments: list[Segment]) -> str:
    return "".join(text for text, _ in segments)


def shown(text: str) -> str:
    """Hidden and look-alike characters as ⟨U+XXXX⟩, control characters as visible escapes."""
    return neutralize(reveal(text))
