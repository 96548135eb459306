"""One sample of each figure, for one tool (and one of its modes)."""

from __future__ import annotations

import math
import time

from .fake import END_MARKER, LONG_PROMPT, SHORT_ANSWER, PeerServer
from .terminal import Pane, Timeout
from .tool import Mode, Tool, shows

SETTLE = 1.5  # seconds at the ready prompt before RSS is read (tools finish loading after their first paint)
READY_TIMEOUT = 60.0
SCREEN_TIMEOUT = 30.0  # after the server's last byte, for the answer's end to show


class Failure(Exception):
    """A tool did not do what was asked: the figure is reported as failed, with this reason."""


def ready(tool: Tool, mode: Mode, resume: bool = False) -> tuple[float, float]:
    """(ms from launch to the prompt ready for input, RSS MB of its process tree once settled)."""
    argv, is_ready = (mode.resume_argv, mode.resume_ready) if resume else (mode.argv, mode.ready)
    assert argv is not None and is_ready is not None
    pane = Pane(argv, tool.env(), tool.workdir)
    try:
        at = pane.wait_for(is_ready, READY_TIMEOUT)
        time.sleep(SETTLE)
        return (at - pane.started) * 1000, pane.rss_mb()
    finally:
        pane.close()


def oneshot(tool: Tool, argv: list[str]) -> float:
    """ms for the one-shot command to print the answer and exit."""
    started = time.perf_counter()
    done = tool.run_quietly(argv)
    elapsed = (time.perf_counter() - started) * 1000
    if SHORT_ANSWER not in done.stdout:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise Failure(f"no answer (exit {done.returncode}): {lines[-1][:120]}")
    return elapsed


def import_time(tool: Tool, module: str) -> float:
    """ms for the tool's Python to start and import `module`."""
    started = time.perf_counter()
    tool.run_quietly([tool.exe("python"), "-c", f"import {module}"])
    return (time.perf_counter() - started) * 1000


def streaming(tool: Tool, mode: Mode, server: PeerServer) -> float:
    """ms from the server's last byte of the long answer to its last token on the screen (inf: not in SCREEN_TIMEOUT)."""
    pane = Pane(mode.argv, tool.env(), tool.workdir)
    try:
        pane.wait_for(mode.ready, READY_TIMEOUT)
        time.sleep(SETTLE)
        server.last_byte_at = 0.0
        pane.type(f"{LONG_PROMPT} please")
        pane.press(*mode.submit)
        while not server.last_byte_at:  # reading the screen costs CPU the tool needs while it streams
            time.sleep(0.05)
        try:
            seen = pane.wait_for(shows(END_MARKER), SCREEN_TIMEOUT)
        except Timeout:
            return math.inf
        return max(0.0, seen - server.last_byte_at) * 1000
    finally:
        pane.close()
