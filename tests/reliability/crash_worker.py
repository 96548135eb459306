"""A worker for the kill -9 supervisor of case 9: many turns in one process, killed at random points.

    python crash_worker.py HOME SESSION|new PLUGINS TAG TURNS SEED

It runs TURNS turns in one session with `agentsh run`'s own turn loop and JSON printer, so
every event is a JSON line on stdout and a `done` line is the acknowledgement a script
would see. The offline model answers, streamed with short seeded pauses, and every other
turn calls the plugin tool `slow_step`, so a kill can land anywhere: while the session
opens, while text streams, while a tool runs, or while a turn is written.
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

from agentsh.cli.run import JsonPrinter, _run_turn
from agentsh.config import Settings
from agentsh.events import TextDelta
from agentsh.models.offline import OfflineModel
from agentsh.session import Session

SLOW_STEP_PLUGIN = '''
import asyncio
from agentsh import tool


@tool
async def slow_step(milliseconds: int) -> str:
    """Do one slow step of work."""
    await asyncio.sleep(milliseconds / 1000)
    return f"step done in {milliseconds} ms"
'''


class PausingOfflineModel:
    """The offline model's answers, with a short pause before each streamed piece."""

    def __init__(self, rng: random.Random) -> None:
        self.inner = OfflineModel()
        self.name = self.inner.name
        self.rng = rng

    async def stream(self, request):
        async for item in self.inner.stream(request):
            if isinstance(item, TextDelta):
                await asyncio.sleep(self.rng.uniform(0, 0.004))
            yield item


def prompt(tag: str, number: int, rng: random.Random) -> str:
    if number % 2:
        return f"use slow step for {rng.randint(5, 40)} milliseconds ({tag}, turn {number})"
    return f"tell me something ({tag}, turn {number})"


async def main(home: str, session_id: str, plugins: str, tag: str, turns: int, seed: int) -> int:
    rng = random.Random(seed)
    settings = Settings(home=Path(home), model="offline", approval="auto", plugin_dirs=[Path(plugins)])
    session = Session.open(settings, resume=None if session_id == "new" else session_id)
    session.model = PausingOfflineModel(rng)
    printer = JsonPrinter(sys.stdout)
    failed = 0
    for number in range(turns):
        failed |= await _run_turn(session, prompt(tag, number, rng), printer)
    return failed


if __name__ == "__main__":
    home, session_id, plugins, tag, turns, seed = sys.argv[1:7]
    sys.exit(asyncio.run(main(home, session_id, plugins, tag, int(turns), int(seed))))
