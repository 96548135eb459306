"""Helpers for the TUI tests: an app on a scripted session, waiting, reading the screen."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

from rich.console import Console

from agentsh.tui.app import AgentshApp
from agentsh.tui.warmup import Warmup

SIZE = (100, 32)


def make_app(session, **kwargs) -> AgentshApp:
    """The app on an already-open session (the opener thread just hands it over)."""
    kwargs.setdefault("warmup", Warmup(needed=lambda model: False))
    return AgentshApp(lambda: session, **kwargs)


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{screen_text(pilot.app)}")
        await pilot.pause(0.02)


async def ready(pilot) -> None:
    await asyncio.wait_for(pilot.app.session_ready.wait(), 5)
    await asyncio.wait_for(pilot.app.history_ready.wait(), 5)
    await pilot.pause()


async def send(pilot, text: str) -> None:
    """Type `text` in the input and press Enter, then wait until the turn has finished."""
    pilot.app.prompt.set_text(text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not pilot.app.runner.busy, what=f"the turn for {text!r} to finish")
    await pilot.pause()


def of_type(app, kind: type) -> list:
    return list(app.transcript.query(kind))
