"""Helpers shared by the commands: reading stdin safely, printing JSON and terminal-safe text."""

from __future__ import annotations

import json
import sys

from ..secrets import redact_secrets
from ..terminal import neutralize


def read_stdin() -> tuple[str, list[str]]:
    """All of stdin as text, with warnings for what had to be repaired."""
    data = sys.stdin.buffer.read()
    warnings = []
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
        warnings.append("stdin is not valid UTF-8: undecodable bytes were replaced with �")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        warnings.append("stdin contains NUL bytes: they were replaced with �")
    return text, warnings


def print_json(value: object) -> None:
    print(redact_secrets(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def out(text: str) -> None:
    print(neutralize(text) if sys.stdout.isatty() else redact_secrets(text))
