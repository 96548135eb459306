"""TUI paste figures: a 1 MB paste (escape sequences in it) read from the terminal, attached, sent.

The input path is the driver's own (agentsh/tui/driver.py): the terminal's bytes in 64 KB
reads through the paste splitter and Textual's parser, to one Paste event; the floor is
Textual's parser alone on the same bytes (what the app used before: it reads a paste one
character at a time). Attaching and sending run in-process on the headless driver (Pilot),
with a model that answers "ok" at once; memory is tracemalloc's peak over each step.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from textual import events
from textual._xterm_parser import XTermParser

from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel
from agentsh.session import Session
from agentsh.tui.paste import END, START, PasteSplitter

from harness import Figure, median

MEGABYTE = "".join(f"log line {i:06d} \x1b[1mbold\x1b[0m id={i * 7919:012x}\n" for i in range(20_000))[:1_000_000]
READ = 64 * 1024


def terminal_bytes() -> list[str]:
    data = "typed" + START + MEGABYTE.replace("\n", "\r") + END + "\r"
    return [data[i : i + READ] for i in range(0, len(data), READ)]


def through_splitter(reads: list[str]) -> list:
    splitter, parser, out = PasteSplitter(), XTermParser(), []
    for read in reads:
        for piece in splitter.feed(read):
            out.extend(parser.feed(piece) if isinstance(piece, str) else [piece])
    return out


def through_parser(reads: list[str]) -> list:
    parser, out = XTermParser(), []
    for read in reads:
        out.extend(parser.feed(read))
    return out


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - started) * 1000, result


def input_figures(quick: bool) -> list[Figure]:
    reads = terminal_bytes()
    ours = [timed(through_splitter, reads) for _ in range(1 if quick else 3)]
    [paste] = [event for event in ours[0][1] if isinstance(event, events.Paste)]
    assert paste.text == MEGABYTE.replace("\n", "\r"), "the paste did not arrive whole"
    floor, _ = timed(through_parser, reads)
    measured = median([ms for ms, _ in ours])
    return [Figure("TUI input: 1 MB bracketed paste, terminal bytes to one Paste event", measured, floor,
                   "≤ 250 ms", met=measured <= 250)]


async def sent(pilot, session: Session, count: int) -> float:
    """Enter, until the turn is done and stored; milliseconds."""
    started = time.perf_counter()
    await pilot.press("enter")
    while pilot.app.runner.busy or len(session.store.messages(session.id)) < count:
        await asyncio.sleep(0.001)
    return (time.perf_counter() - started) * 1000


async def attach_and_send() -> dict:
    from agentsh.models.warmup import Warmup
    from agentsh.tui.app import AgentshApp

    home = Path(tempfile.mkdtemp(prefix="agentsh-bench-paste-"))
    session = Session.open(Settings(home=home, model="offline", memory={"consolidate": False}))
    session.model = ScriptedModel(default="ok")
    app = AgentshApp(lambda: session, warmup=Warmup(needed=lambda model: False))
    figures: dict = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await app.history_ready.wait()
        app.prompt.set_text("warm up")  # the first answer imports the Markdown widget
        await sent(pilot, session, 2)
        app.prompt.set_text("hello")
        figures["send_floor"] = await sent(pilot, session, 4)
        tracemalloc.start()
        started = time.perf_counter()
        app.prompt.post_message(events.Paste(MEGABYTE))
        while not app.prompt.attachments:
            await asyncio.sleep(0.001)
        await pilot.pause()
        figures["attach"] = (time.perf_counter() - started) * 1000
        figures["attach_peak"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.reset_peak()
        figures["send"] = await sent(pilot, session, 6)
        figures["send_peak"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert session.store.messages(session.id)[4].content == MEGABYTE
    shutil.rmtree(home, ignore_errors=True)
    return figures


def app_figures(quick: bool) -> list[Figure]:
    runs = [asyncio.run(attach_and_send()) for _ in range(1 if quick else 2)]
    attach, send = median([r["attach"] for r in runs]), median([r["send"] for r in runs])
    floor = median([r["send_floor"] for r in runs])
    attach_peak, send_peak = max(r["attach_peak"] for r in runs), max(r["send_peak"] for r in runs)
    return [
        Figure("TUI: 1 MB paste to the attachment shown under the input", attach, None, "≤ 500 ms", met=attach <= 500),
        Figure("TUI: its peak memory (tracemalloc)", attach_peak, None, "≤ 20 MB", "MB", met=attach_peak <= 20),
        Figure("TUI: Enter to the 1 MB message stored, turn done (floor: a 5-character message)", send, floor,
               "≤ 2,000 ms", met=send <= 2000),
        Figure("TUI: peak memory of that send (tracemalloc)", send_peak, None, "≤ 50 MB", "MB", met=send_peak <= 50),
    ]


def figures(quick: bool = False) -> list[Figure]:
    return input_figures(quick) + app_figures(quick)


if __name__ == "__main__":
    from harness import table

    print(table(figures(quick="--quick" in sys.argv)))
