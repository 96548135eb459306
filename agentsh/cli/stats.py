"""`agentsh stats`: usage over time, drawn on a terminal, plain on a pipe, or as JSON or CSV."""

from __future__ import annotations

import argparse
import shutil
import sys

from ..config import data_home, settings_from_args
from ..secrets import redact_secrets
from ..stats.render import csv_report, json_report, plain_report, rich_report
from ..stats.report import StatsReport, StatsRequest, build_report, parse_group_by
from ..store.db import DB_FILENAME, open_database
from ..store.sessions import SessionStore
from .support import WaitingNotice, out


def stats_command(args: argparse.Namespace) -> int:
    group_by = parse_group_by(args.group_by)
    settings = settings_from_args(args)
    store = SessionStore(open_database(data_home(settings) / DB_FILENAME, settings.store_timeout, WaitingNotice()))  # not all of the core
    session_id = store.get(args.session).id if args.session else None
    request = StatsRequest(since=args.since, until=args.until, group_by=group_by, utc=args.utc, zone=args.tz, session_id=session_id)
    report = build_report(store.db, request)
    if args.json:
        sys.stdout.write(redact_secrets(json_report(report)) + "\n")
    elif args.csv:
        sys.stdout.write(redact_secrets(csv_report(report)))
    elif sys.stdout.isatty():
        _draw(report)
    else:
        out(plain_report(report).rstrip("\n"))
    return 0


def _draw(report: StatsReport) -> None:
    from rich.console import Console

    width = shutil.get_terminal_size().columns
    # past the guard that neutralises what commands print: every name from the store was neutralised as it was drawn
    stream = getattr(sys.stdout, "stream", sys.stdout)
    Console(file=stream, highlight=False, width=width).print(rich_report(report, width))
