"""Model and tool text, made safe to show: never Rich markup, never a live escape sequence.

Every string that came from a model, a tool, a plugin or the store goes through one of
these before it reaches a widget. Widgets given a plain `str` would parse it as markup.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from ..terminal import neutralize


def literal(text: str, style: str = "") -> Text:
    """A Rich Text that shows `text` exactly, control characters made visible."""
    return Text(neutralize(text), style=style)


# One visible character for each control character but tab and newline: the text area's cursor
# columns stay those of the text itself. C0 as the Unicode control pictures (␛ for ESC), DEL as ␡,
# C1 (which a terminal may run as 8-bit controls) as ¤.
_PICTURES = str.maketrans(
    {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\t\n"} | {0x7F: "\u2421"}
    | {code: "\u00a4" for code in range(0x80, 0xA0)}
)


def pictured(text: str) -> str:
    """`text` with every control character but tab and newline shown as one visible character."""
    return text.translate(_PICTURES)


def markdown_source(text: str) -> str:
    """Markdown to render: escape sequences made visible (Markdown itself has no Rich markup)."""
    return neutralize(text)


def one_line(text: str, limit: int = 80) -> str:
    """Whitespace folded to single spaces, cut at `limit` characters with an ellipsis."""
    line = " ".join(neutralize(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def arguments_text(arguments: dict[str, Any] | str, indent: int | None = None) -> str:
    """Tool-call arguments as JSON (or the raw text the model produced when it is not JSON)."""
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False, indent=indent)


def clip_lines(text: str, limit: int) -> str:
    """At most `limit` lines, with a note saying how many were left out."""
    lines = text.splitlines()
    if len(lines) <= limit:
        return text
    return "\n".join(lines[:limit]) + f"\n… {len(lines) - limit} more lines"
