"""Turn whatever a tool returned into bounded text for the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ..messages import Attachment
from ..text import has_lone_surrogates, replace_lone_surrogates

DEFAULT_MAX_CHARS = 20_000


@dataclass(frozen=True)
class ToolOutput:
    """What a tool returns when it has images for the model besides its text (an MCP server's tool).

    The text is the result every UI shows and every model reads; the images (checked, base64) travel
    on the tool message as attachments, and reach only a model that accepts images."""

    text: str
    images: tuple[Attachment, ...] = field(default=())


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, ToolOutput):
        return value.text
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def truncate(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Keep the head and the tail of an over-long output, with a marker between them."""
    if len(text) <= max_chars:
        return text
    head = max_chars * 2 // 3
    tail = max_chars - head
    omitted = len(text) - head - tail
    return f"{text[:head]}\n… [{omitted:,} characters truncated] …\n{text[-tail:]}"


def valid_utf8(text: str) -> str:
    """Text that can be stored and sent: bytes that were not UTF-8 (a file name, say), which Python
    keeps as lone surrogates, are shown as \\xNN escapes."""
    if not has_lone_surrogates(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte
        return replace_lone_surrogates(text)
