"""`agentsh serve`: the task service (agentsh/service), with the flags over the config's [service]."""

from __future__ import annotations

import argparse

from ..config import settings_from_args
from ..service.address import check_host


def serve_command(args: argparse.Namespace) -> int:
    check_host(args.host, args.allow_remote)  # refused at once, before the service's imports
    from ..service.server import options_from, serve

    settings = settings_from_args(args)
    return serve(settings, options_from(vars(args), settings))
