"""Helpers shared by the commands: reading stdin safely, printing JSON and terminal-safe text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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


def write_export(text: str, output: str | None, note: str) -> None:
    """An export goes to the file `output` (and `note` to stderr), or without one to stdout."""
    from ..store.transfer import write_new_file

    if output:
        write_new_file(Path(output), text)
        print(note, file=sys.stderr)
    else:
        sys.stdout.write(text)


def print_json(value: object) -> None:
    print(redact_secrets(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def out(text: str) -> None:
    print(neutralize(text) if sys.stdout.isatty() else redact_secrets(text))


class WaitingNotice:
    """`on_wait` of the session store: say on stderr why nothing happens, at once and then every 10 s."""

    EVERY = 10.0

    def __init__(self) -> None:
        self._last = self._next = 0.0

    def __call__(self, waited: float) -> None:
        if waited < self._last:  # a new wait
            self._next = 0.0
        self._last = waited
        if waited >= self._next:
            print(f"agentsh: waiting for the session database: another agentsh is writing ({waited:.0f} s)", file=sys.stderr, flush=True)
            self._next = waited + self.EVERY
