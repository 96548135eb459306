"""The Textual TUI. Importing this package is free: `tui_command` imports the app when called."""

from __future__ import annotations

import argparse
import sys


def tui_command(args: argparse.Namespace) -> int:
    """Run the full-screen app; errors found while opening the session are raised after it closes."""
    from . import collector

    collector.pause()  # the app resumes it once the session is on screen
    try:
        from .app import AgentshApp

        app = AgentshApp(lambda: _open_session(args), pick_session=args.resume == "")
        app.run()
    finally:
        collector.resume()
    if app.session is not None:  # every session the app opened shares this store
        app.session.close_store()
    if app.error is not None:
        raise app.error
    if app.farewell and app.return_code in (0, None):  # after SIGHUP (a closed window) there is no terminal to print to
        print(app.farewell)
    if app.unsaved_draft:
        from ..terminal import neutralize

        print(f"agentsh: {neutralize(app.unsaved_draft) if sys.stderr.isatty() else app.unsaved_draft}", file=sys.stderr)
    return app.return_code or 0


def _open_session(args: argparse.Namespace):
    """Runs in the app's opening thread: settings from the flags, then the session."""
    from ..config import settings_from_args
    from ..session import Session

    settings = settings_from_args(args)
    return Session.open(settings, resume=args.resume or None, latest=args.continue_latest, anywhere=getattr(args, "continue_anywhere", False))
