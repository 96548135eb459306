"""A 1 MB `@file`: attached and shown in the TUI (budget 0.3 s).

    python benchmarks/mention.py

Two figures, medians of 5 runs: the core alone (`Session.attach`: resolve, read without following
symlinks, check it is text, build the message), and the whole path in the app on the headless
driver (Pilot): Enter (the input's submit action) on "explain @big.log" until the transcript shows the message and the notice
that names the attachment, drawn, the model answering "ok" at once.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BUDGET = 0.3
MEGABYTE = "".join(f"log line {i:06d} \x1b[1mbold\x1b[0m [red]markup[/red] id={i * 7919:012x}\n" for i in range(20_000))[:1_000_000]


def core_seconds(session) -> float:
    started = time.perf_counter()
    attached = session.attach("explain @big.log")
    elapsed = time.perf_counter() - started
    assert attached.attachments and attached.attachments[0].size == len(MEGABYTE.encode())
    return elapsed


async def tui_seconds(session) -> float:
    from agentsh.models.warmup import Warmup
    from agentsh.tui.app import AgentshApp
    from agentsh.tui.widgets.messages import NoticeLine

    app = AgentshApp(lambda: session, warmup=Warmup(needed=lambda model: False))
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_ready.wait()
        await app.history_ready.wait()
        await pilot.pause()
        app.prompt.set_text("explain @big.log")
        started = time.perf_counter()
        app.prompt.action_submit()  # what Enter does (Pilot's press also waits for the whole turn to go idle)
        while not any("attached @big.log" in str(n.render()) for n in app.transcript.query(NoticeLine)):
            await asyncio.sleep(0.002)
        drawn = asyncio.Event()
        app.call_after_refresh(drawn.set)
        await drawn.wait()
        elapsed = time.perf_counter() - started
        while app.runner.busy:
            await pilot.pause(0.01)
    return elapsed


def main() -> int:
    from agentsh.config import Settings
    from agentsh.models.scripted import ScriptedModel
    from agentsh.session import Session

    folder = Path(tempfile.mkdtemp(prefix="agentsh-mention-"))
    (folder / "big.log").write_text(MEGABYTE, encoding="utf-8")
    os.chdir(folder)
    core, shown = [], []
    for _ in range(5):
        session = Session.open(Settings(home=folder / "home", model="offline", memory={"consolidate": False}))
        session.model = ScriptedModel(default="ok")
        core.append(core_seconds(session))
        shown.append(asyncio.run(tui_seconds(session)))
    core_median, shown_median = statistics.median(core), statistics.median(shown)
    print(f"1 MB @file, core attach:           {core_median * 1000:7.1f} ms (median of 5)")
    print(f"1 MB @file, attached and shown (TUI): {shown_median * 1000:7.1f} ms (median of 5; budget {BUDGET * 1000:.0f} ms)")
    return 0 if shown_median <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
