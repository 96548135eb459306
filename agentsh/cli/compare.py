"""`agentsh compare "prompt" --modes chat,reflect --models a,b [--judge PROFILE] [--json]`: a side-by-side table."""

from __future__ import annotations

import argparse
import asyncio
import sys

from rich.console import Console
from rich.text import Text

from ..compare import Comparison, compare, comparison_notes, comparison_table, contenders, parse_list
from ..config import settings_from_args
from ..errors import UsageError
from ..session import Session, open_store
from ..signals import stoppable
from .support import WaitingNotice, print_json


def compare_command(args: argparse.Namespace) -> int:
    prompt = " ".join(args.prompt).strip()
    if not prompt:
        raise UsageError('no prompt: agentsh compare "your request" --modes chat,reflect')
    settings = settings_from_args(args)
    base = Session.open(settings, store=open_store(settings, on_wait=WaitingNotice()))
    combinations = contenders(parse_list(args.modes) or [base.mode], parse_list(args.models) or [base.model_name])
    comparison: list[Comparison] = []

    async def run() -> int:
        comparison.append(await compare(base, prompt, combinations, args.judge))
        return 0

    status = asyncio.run(stoppable(run()))
    if not comparison:
        return status
    if args.json:
        print_json(comparison[0].as_dict())
    else:
        _print_table(comparison[0])
    return 1 if all(entry.failed for entry in comparison[0].entries) else 0


def _print_table(comparison: Comparison) -> None:
    # past the guard that neutralises what commands print: every string in the table was neutralised as it was drawn
    console = Console(file=getattr(sys.stdout, "stream", sys.stdout), highlight=False, soft_wrap=False)
    console.print(comparison_table(comparison))
    for line in comparison_notes(comparison):
        console.print(Text(line))
