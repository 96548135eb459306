"""What `agentsh run` reads before a turn: the prompt (argument, stdin, or both) and the --schema JSON.

Light on purpose: the warm path reads them too, and the in-process path reuses what was read (stdin
is read once).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..text import has_lone_surrogates, replace_lone_surrogates
from .support import read_stdin

EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE


def read_prompt(args: argparse.Namespace) -> tuple[str, int | None]:
    """The prompt, and how much of it is the user's own words when piped text follows them (data: no @mentions)."""
    words = " ".join(args.prompt)
    if has_lone_surrogates(words):  # bytes that are not UTF-8: replaced, as read_stdin does
        words = replace_lone_surrogates(words)
        print("agentsh: warning: the prompt is not valid UTF-8: undecodable bytes were replaced with \ufffd", file=sys.stderr)
    stdin_piped = not args.no_stdin and not sys.stdin.isatty()
    if words in ("", "-"):
        if not stdin_piped:
            raise UsageError("no prompt: give one as an argument or pipe it on stdin (agentsh run --help)")
        text, warnings = read_stdin()
    elif stdin_piped:
        context, warnings = read_stdin()
        text = f"{words}\n\n<stdin>\n{context}\n</stdin>" if context.strip() else words
        return _checked(text, warnings), len(words)
    else:
        text, warnings = words, []
    return _checked(text, warnings), None


def _checked(text: str, warnings: list[str]) -> str:
    for warning in warnings:
        print(f"agentsh: warning: {warning}", file=sys.stderr)
    if not text.strip():
        raise UsageError("the prompt is empty: give a prompt as an argument or pipe text on stdin")
    return text


def load_schema(given: str) -> Any:
    """`--schema`: inline JSON (it starts with "{") or a file holding it; UsageError saying what is wrong.

    Whether the schema is one agentsh supports is checked where the turn runs (modes/answer_schema.py)."""
    text = given
    if not given.lstrip().startswith("{"):
        try:
            text = Path(given).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            raise UsageError(f"--schema: cannot read {given!r}: {getattr(problem, 'strerror', None) or problem}") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as problem:
        raise UsageError(f"--schema: not valid JSON ({problem}); give a JSON schema file or the schema inline") from None
    return schema


def output_closed() -> int:
    """The reader went away (`agentsh run --json ... | head -1`): stop quietly, like other Unix tools."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # the interpreter's last flush must not fail again
    return EXIT_PIPE_CLOSED
