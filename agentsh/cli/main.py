"""`agentsh`: parse the command line and hand it to the command's own module.

Each command's work is imported only when that command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words, server_command = _split_server_command(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(words)
    if server_command is not None:
        args.server_command = server_command
    from ..errors import AgentshError

    try:
        _check_encoding(args)
        return _dispatch(args)
    except AgentshError as error:
        print(f"agentsh: {_terminal_safe(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("agentsh: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`agentsh tools | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _split_server_command(words: list[str]) -> tuple[list[str], list[str] | None]:
    """`agentsh mcp add NAME [OPTIONS] -- COMMAND ARGS...`: everything after `--` is the server's command line,
    taken whole (argparse would give a trailing positional only the words right after NAME)."""
    if "--" not in words or words[:2] != ["mcp", "add"]:
        return words, None
    cut = words.index("--")
    return words[:cut], words[cut + 1:]


def _terminal_safe(text: str) -> str:
    """An error may quote a provider, a file or an argument: escape sequences in it are shown, not run."""
    from ..secrets import redact_secrets
    from ..terminal import neutralize

    if not sys.stderr.isatty():
        return redact_secrets(text)
    return neutralize(text)


_REPAIRED = {"prompt"}  # `agentsh run` replaces undecodable bytes in its prompt with �, as on stdin


def _check_encoding(args: argparse.Namespace) -> None:
    """An argument that is not valid UTF-8 (Python keeps its bytes as surrogates) is one clear error."""
    from ..errors import UsageError
    from ..text import has_lone_surrogates

    for name, value in vars(args).items():
        for item in value if isinstance(value, list) else [value]:
            if name not in _REPAIRED and isinstance(item, str) and has_lone_surrogates(item):
                shown = item.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
                raise UsageError(f"the {name.replace('_', '-')} argument '{shown}' is not valid UTF-8; agentsh needs UTF-8 names and paths")


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _open_shell(args)
    from ..terminal import guard_terminal_streams

    guard_terminal_streams()  # the shells draw their own screens; every other command prints plain lines
    if args.command == "run":
        from .oneshot import run_command

        return run_command(args)
    if args.command == "jobs":
        from .jobs import jobs_command

        return jobs_command(args)
    if args.command in ("plugins", "tools", "trust"):
        from . import plugins

        return getattr(plugins, f"{args.command}_command")(args)
    if args.command == "workflows":
        from .workflows import workflows_command

        return workflows_command(args)
    if args.command == "mcp":
        from .mcp import mcp_command

        return mcp_command(args)
    if args.command == "modes":
        from ..commands import modes_command

        return modes_command(args)
    if args.command == "models":
        from .models import models_command

        return models_command(args)
    if args.command == "sessions":
        from .sessions import sessions_command

        return sessions_command(args)
    if args.command == "compare":
        from .compare import compare_command

        return compare_command(args)
    if args.command == "stats":
        from .stats import stats_command

        return stats_command(args)
    if args.command == "serve":
        from .serve import serve_command

        return serve_command(args)
    if args.command == "memory":
        from .memory import memory_command

        return memory_command(args)
    raise AssertionError(f"unhandled command {args.command}")


def _open_shell(args: argparse.Namespace) -> int:
    if args.plain or not (sys.stdin.isatty() and sys.stdout.isatty()):
        from ..repl.main import repl_command

        return repl_command(args)
    from ..tui import tui_command

    return tui_command(args)
