"""`agentsh serve`: the task service (agentsh/service), with the flags over the config's [service]."""

from __future__ import annotations

import argparse

from ..config import settings_from_args
from ..service.server import options_from, serve


def serve_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    return serve(settings, options_from(vars(args), settings))
