"""litellm ready in the background: `load_litellm()` in a thread of a process whose asyncio
loop keeps ticking (as the TUI's does), beside `import litellm` in a bare `python -c`.

Both run as fresh subprocesses and time the import itself (interpreter start-up excluded
from both). The loop ticks every TICK seconds; a tick's stall is how late it woke.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness import Figure, median

TICK = 0.005  # seconds between the loop's ticks (a UI redraws at ~60 Hz: 16 ms)
STALL_TARGET_MS = 150
FLOOR = "import time; t = time.perf_counter(); import litellm; print(time.perf_counter() - t)"


def _child() -> None:
    """In the subprocess: agentsh imported and a loop ticking, then litellm loaded in a thread."""
    import asyncio
    import threading
    import time

    import agentsh  # noqa: F401  (the app is up before its warm-up starts, as in the TUI)
    from agentsh.models.litellm import load_litellm

    async def main() -> dict:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        stalls: list[float] = []

        def load() -> None:
            load_litellm()
            loop.call_soon_threadsafe(done.set)

        for _ in range(20):  # the loop is running and warm before the import starts
            await asyncio.sleep(TICK)
        started = time.perf_counter()
        threading.Thread(target=load, daemon=True).start()
        while not done.is_set():
            due = time.perf_counter() + TICK
            await asyncio.sleep(TICK)
            stalls.append(max(0.0, time.perf_counter() - due))
        ready = time.perf_counter() - started
        return {"ready": ready, "max_stall": max(stalls, default=0.0), "ticks": len(stalls),
                "p99_stall": sorted(stalls)[int(0.99 * (len(stalls) - 1))] if stalls else 0.0}

    print(json.dumps(asyncio.run(main())))


def _run(*args: str) -> str:
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    done = subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def figures(quick: bool = False) -> list[Figure]:
    ours, floor = [], []
    for _ in range(2 if quick else 3):
        ours.append(json.loads(_run(__file__, "--child")))
        floor.append(float(_run("-c", FLOOR)))
    ready = median([r["ready"] for r in ours]) * 1000
    base = median(floor) * 1000
    stall = max(r["max_stall"] for r in ours) * 1000
    return [
        Figure("litellm ready, background import with the loop ticking", ready, base, "≤ 1.1× floor",
               met=ready <= 1.1 * base),
        Figure("event-loop stall during that import (worst tick of all runs)", stall, None,
               f"≤ {STALL_TARGET_MS} ms", met=stall <= STALL_TARGET_MS),
    ]


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    _child()
