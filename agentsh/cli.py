"""Command-line parsing only: each command's work lives in its own module.

Nothing heavy is imported here, so `agentsh --help` stays fast (litellm is never loaded).
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__

MODES_HELP = "chat, tools (default), react, pipeline, router, planner, supervisor, parallel, reflect, debate, events"


def _add_agent_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="litellm model string, e.g. openai/gpt-4o-mini, or 'offline' (env AGENTSH_MODEL)")
    parser.add_argument("--mode", help=f"orchestration mode: {MODES_HELP}")
    parser.add_argument("--plugins", action="append", default=[], metavar="DIR", help="also load tools from DIR (repeatable)")
    parser.add_argument("--home", metavar="DIR", help="data home holding the session database (env AGENTSH_HOME)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="most tool-loop steps per turn (default 20)")
    parser.add_argument("--yes", "-y", action="store_true", help="approve every tool call that needs approval")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentsh",
        description="An interactive terminal shell for LLM agents.",
        epilog="Run `agentsh COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"agentsh {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run one turn headless and print the answer", description="Run one turn and print the final answer on stdout.")
    run.add_argument("prompt", nargs="*", help="the prompt; '-' or nothing reads it from stdin (piped stdin with a prompt is added as context)")
    _add_agent_options(run)
    run.add_argument("--session", "-s", metavar="ID", help="continue the session ID (a unique prefix is enough)")
    run.add_argument("--continue", "-c", dest="continue_latest", action="store_true", help="continue the most recent session")
    run.add_argument("--json", action="store_true", help="print every event as a JSON line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .errors import AgentshError

    try:
        return _dispatch(args)
    except AgentshError as error:
        print(f"agentsh: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("agentsh: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from .run import run_command

        return run_command(args)
    raise AssertionError(f"unhandled command {args.command}")
