"""`agentsh run`: one turn, headless. Text answer on stdout, or JSON Lines with --json.

The turn runs in a warm task service when a compatible one is running (cli/warm.py: nothing heavy is
imported then), otherwise in this process (cli/run.py); both print alike. With --background it is
handed to the service (started on demand) and only its id is printed (cli/jobs.py).

Exit 0 on success, 1 when the model or provider fails, 2 for a usage error, 130 when Ctrl-C stopped
the turn, 141 when the reader of stdout went away (as for a command killed by SIGPIPE), 143 / 129 when
SIGTERM / SIGHUP stopped the turn (saved, marked interrupted; its shell commands stopped).
"""

from __future__ import annotations

import argparse

from .run_input import load_schema, read_prompt


def run_command(args: argparse.Namespace) -> int:
    schema = load_schema(args.schema) if getattr(args, "schema", None) else None
    prompt, words = read_prompt(args)
    if getattr(args, "background", False):
        from .jobs import run_in_background

        return run_in_background(args, prompt, words, schema)
    from .warm import run_warm

    status = run_warm(args, prompt, words, schema)
    if status is not None:
        return status
    from .run import run_in_process

    return run_in_process(args, prompt, words, schema)
