"""A worker for case 30: a model's regular expression that backtracks without end, in a real session.

    python regex_worker.py HOME WORKSPACE

In WORKSPACE (the current folder of a real Session on data home HOME, scripted model), runs
three turns whose model calls `search_files` with `(a+)+$`, while an asyncio ticker measures
the event loop's longest gap. Prints one JSON line per turn:

- "too-slow": one long line of `a`s and a `b`; the search must give up with a clear error.
- "timeout": many slower-than-they-look lines; the tool timeout (1 s) must end the call.
- "cancel": the same lines, no useful timeout; the turn is cancelled half a second in.

For each: how long the turn took (and, when cancelled, how long after the cancel it ended),
the loop's longest gap, the tool result, whether the turn was interrupted, and how long the
search's thread lived on after the turn. Run as a process so that a frozen event loop (Python's
`re` holds the GIL for as long as it backtracks) is a timeout of the parent, not a hung suite.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path

from agentsh.config import Settings
from agentsh.events import ToolResult, TurnDone
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.session import Session

PATTERN = "(a+)+$"
THREAD = "tool-search_files"


class Ticker:
    """Wakes every 10 ms; remembers the longest time between two wake-ups."""

    def __init__(self) -> None:
        self.max_gap = 0.0

    async def run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            self.max_gap, last = max(self.max_gap, now - last), now


def search_running() -> bool:
    return any(thread.name == THREAD for thread in threading.enumerate())


async def thread_lifetime() -> float:
    """Seconds until the search's thread is gone (at most 30)."""
    began = time.monotonic()
    while search_running() and time.monotonic() - began < 30:
        await asyncio.sleep(0.02)
    return time.monotonic() - began


async def one_turn(home: Path, name: str, path: str, tool_timeout: float, cancel_after: float | None) -> dict:
    settings = Settings(home=home, model="offline", tool_timeout=tool_timeout, memory={"consolidate": False})
    session = Session.open(settings)
    session.model = ScriptedModel(calls(("search_files", {"query": PATTERN, "path": path, "regex": True})), "Done.")
    ticker = Ticker()
    ticking = asyncio.create_task(ticker.run())
    began = time.monotonic()
    turn = asyncio.create_task(collect(session))
    cancelled_at = None
    if cancel_after is not None:
        while not search_running():
            await asyncio.sleep(0.01)
        await asyncio.sleep(cancel_after)
        cancelled_at = time.monotonic()
        session.cancel()
    events = await turn
    ended = time.monotonic()
    lived_on = await thread_lifetime()
    ticking.cancel()
    await session.aclose()
    results = [e.output for e in events if isinstance(e, ToolResult)]
    done = events[-1]
    return {
        "turn": name, "seconds": ended - began, "after_cancel": None if cancelled_at is None else ended - cancelled_at,
        "max_gap": ticker.max_gap, "result": results[0] if results else None,
        "interrupted": isinstance(done, TurnDone) and done.interrupted, "thread_lived_on": lived_on,
    }


async def collect(session: Session) -> list:
    return [event async for event in session.send("find the a's")]


async def main(home: Path, workspace: Path) -> None:
    os.chdir(workspace)
    (workspace / "long-line.txt").write_text("a" * 4000 + "b\n")
    (workspace / "slow-lines.txt").write_text(("a" * 200 + "b\n") * 500)
    turns = [("too-slow", "long-line.txt", 30.0, None), ("timeout", "slow-lines.txt", 1.0, None), ("cancel", "slow-lines.txt", 60.0, 0.5)]
    for name, path, tool_timeout, cancel_after in turns:
        print(json.dumps(await one_turn(home, name, path, tool_timeout, cancel_after)), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
