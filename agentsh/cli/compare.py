"""`agentsh compare "prompt" --modes chat,reflect --models a,b [--judge PROFILE] [--json]`: a side-by-side table."""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..compare import Comparison, compare, contenders, parse_list
from ..config import settings_from_args
from ..costs import dollars
from ..errors import UsageError
from ..secrets import redact_secrets
from ..session import Session, open_store
from ..signals import stoppable
from ..text import format_duration
from .support import WaitingNotice, print_json

ANSWER_CHARS = 80


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
    console = Console(highlight=False, soft_wrap=False)
    console.print(comparison_table(comparison))
    for entry in comparison.entries:
        if entry.reason:
            console.print(Text(f"{entry.rank}. {entry.label}: {redact_secrets(entry.reason)}"))
    if comparison.judge_notice:
        console.print(Text(f"judge: {redact_secrets(comparison.judge_notice)}"))
    console.print(Text(f"all at once in {format_duration(comparison.wall_ms)}; continue one with agentsh -r SESSION"))


def comparison_table(comparison: Comparison, answer_chars: int = ANSWER_CHARS) -> Table:
    """The side-by-side table; every string from a model is a Text (never markup)."""
    ranked = any(entry.rank is not None for entry in comparison.entries)
    table = Table(title=Text(f"compare: {comparison.prompt[:60]}"), show_lines=True, padding=(0, 0))
    for name in (*(["#"] if ranked else []), "mode · model\nsession", "answer", "steps", "calls", "tokens", "cost", "wall"):
        table.add_column(name, overflow="fold", no_wrap=name != "answer")
    for entry in comparison.entries:
        answer = " ".join(((entry.error or "") if entry.failed and not entry.output else entry.output).split())
        abridged = answer[:answer_chars] + ("…" if len(answer) > answer_chars else "")
        cells = [
            f"{entry.mode} · {entry.model}\n{entry.session_id}", abridged, str(entry.steps), str(entry.model_calls),
            f"{entry.prompt_tokens + entry.completion_tokens:,}", "unknown" if entry.cost is None else dollars(entry.cost),
            format_duration(entry.wall_ms),
        ]
        row = [str(entry.rank or "-")] if ranked else []
        table.add_row(*(Text(redact_secrets(cell)) for cell in [*row, *cells]))
    return table


