"""Helpers shared by the commands: settings from flags, reading stdin safely."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .config import Settings, load_settings
from .errors import UsageError
from .terminal import neutralize


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "model": getattr(args, "model", None),
        "mode": getattr(args, "mode", None),
        "home": getattr(args, "home", None),
        "max_steps": getattr(args, "max_steps", None),
        "approval": "auto" if getattr(args, "yes", False) else None,
    }
    _check_flags(overrides)
    settings = load_settings(overrides)
    extra = getattr(args, "plugins", None) or []
    if extra:
        settings = settings.model_copy(update={"plugin_dirs": [*settings.plugin_dirs, *extra]})
    return settings


def _check_flags(overrides: dict[str, Any]) -> None:
    """A bad flag is a usage error that names the flag, not a problem with the config file."""
    try:
        Settings.model_validate({k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-")
        raise UsageError(f"{flag}: {first['msg']}") from None


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
    from .store.transfer import write_new_file

    if output:
        write_new_file(Path(output), text)
        print(note, file=sys.stderr)
    else:
        sys.stdout.write(text)


def print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def out(text: str) -> None:
    print(neutralize(text) if sys.stdout.isatty() else text)
