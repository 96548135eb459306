"""Plain-text helpers that the core and every UI share."""

from __future__ import annotations

import re

# How Python keeps bytes that are not UTF-8 (a terminal's input, an argument, a file name): as lone
# surrogates, which cannot be encoded, stored or sent.
LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def has_lone_surrogates(text: str) -> bool:
    return LONE_SURROGATES.search(text) is not None


_C1 = re.compile("[\x7f-\x9f]")  # JSON leaves DEL and the C1 controls (e.g. 8-bit CSI) raw


def escape_c1_in_json(text: str) -> str:
    """JSON text with DEL and the C1 controls escaped (`\\u009b`): still the same JSON, but no terminal that
    shows the line runs a sequence hidden in it."""
    return _C1.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


def replace_lone_surrogates(text: str) -> str:
    """`text` with each lone surrogate replaced by �, as undecodable bytes are elsewhere."""
    return LONE_SURROGATES.sub("\ufffd", text)


def format_duration(milliseconds: float) -> str:
    """A tool call's duration as the UIs show it: "340 ms", "2.5 s"."""
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def code_blocks(markdown: str) -> list[str]:
    """The contents of the fenced code blocks (``` or ~~~) of a Markdown text, in order; an unclosed one runs to the end."""
    blocks: list[str] = []
    fence: str | None = None
    lines: list[str] = []
    for line in markdown.splitlines():
        found = _FENCE.match(line)
        if fence is None and found:
            fence, lines = found.group(1), []
        elif fence is not None and found and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence) and not line.strip(" `~"):
            blocks.append("\n".join(lines))
            fence = None
        elif fence is not None:
            lines.append(line)
    if fence is not None:
        blocks.append("\n".join(lines))
    return blocks


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """"1 delegation", "3 delegations": a count with its noun agreeing."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def folded(text: str, limit: int) -> str:
    """On one line (whitespace folded to single spaces), cut at `limit` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
