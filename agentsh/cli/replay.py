"""`agentsh sessions replay ID [--turn N] --from STEP`: a turn run again in a fork, reusing the answers before STEP.

With `--model` too, that model answers from STEP on; with `--mode` or `--model` and no `--from`, the whole turn
runs again that way.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..config import settings_from_args
from ..errors import UsageError
from ..session import Session
from ..session_replay import find_step, replay_fork
from ..signals import stoppable
from ..store.sessions import SessionStore
from ..trace import turn_trace
from .run import JsonPrinter, TextPrinter, run_turn


def replay_command(store: SessionStore, args: argparse.Namespace) -> int:
    if args.step is None and not (args.mode or args.model):
        raise UsageError("say where to replay from: --from STEP (a number from `agentsh sessions trace`), or rerun it with --mode/--model")
    source = store.get(args.id)
    how = " ".join(f"{k} {v}" for k, v in (("mode", args.mode), ("model", args.model)) if v)
    why = "turn replayed" + (f" from step {args.step}" if args.step is not None else "") + (f" with {how}" if how else "")
    if args.step is not None:
        _check_step(store, source.id, args)
    fork, text = replay_fork(store, source.id, args.turn, why)
    session = Session.open(settings_from_args(args), resume=fork.id, store=store)
    if args.mode:
        session.set_mode(args.mode)
    if args.model:
        session.set_model(args.model)
    if args.step is not None:
        session.prepare_replay(args.step, args.turn, reuse_random=args.reuse, source=source.id, model=args.model)
    printer = JsonPrinter(sys.stdout) if args.json else TextPrinter(sys.stdout, sys.stderr)
    status = asyncio.run(stoppable(run_turn(session, text, printer)))
    print(f"agentsh: the replay is session {fork.id} (continue it: agentsh -r {fork.id})", file=sys.stderr)
    return status


def _check_step(store: SessionStore, session_id: str, args: argparse.Namespace) -> None:
    """Refuse a step that does not exist before any fork is made."""
    find_step(turn_trace(store, session_id, args.turn), args.step)
