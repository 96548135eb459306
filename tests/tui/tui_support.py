"""Helpers for the TUI tests: an app on a scripted session, waiting, reading the screen."""

from __future__ import annotations

import asyncio
import html
import re
import time
from collections.abc import Callable

from rich.cells import cell_len

from agentsh.models.warmup import Warmup
from agentsh.tui.app import AgentshApp

SIZE = (100, 32)


def make_app(session, **kwargs) -> AgentshApp:
    """The app on an already-open session (the opener thread just hands it over)."""
    kwargs.setdefault("warmup", Warmup(needed=lambda model: False))
    return AgentshApp(lambda: session, **kwargs)


# One run of text in Textual's SVG screenshot: x and width in pixels, then its row, then the text.
_SVG_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)" y="[\d.]+" textLength="([\d.]+)" clip-path="url\(#[\w-]+-line-(\d+)\)">(.*?)</text>')


def screen_text(app) -> str:
    """What the terminal shows, as plain text, read from the app's public SVG screenshot."""
    rows: dict[int, list[tuple[float, float, str]]] = {}
    for x, length, row, escaped in _SVG_TEXT.findall(app.export_screenshot()):
        text = html.unescape(escaped).replace("\xa0", " ")
        rows.setdefault(int(row), []).append((float(x), float(length) / len(text), text))
    return "\n".join(_line(rows.get(row, [])) for row in range(app.size.height))


def _line(runs: list[tuple[float, float, str]]) -> str:
    line, cells = "", 0
    for x, cell_width, text in runs:
        column = round(x / cell_width)
        line += " " * max(0, column - cells) + text
        cells = max(cells, column) + cell_len(text)
    return line.rstrip()


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
