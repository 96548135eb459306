"""Start-up figures: `agentsh --help` beside `python -c pass`."""

from __future__ import annotations

import subprocess
import sys

from harness import Figure, median, time_calls


def _run(*args: str) -> None:
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL)


def figures(quick: bool = False) -> list[Figure]:
    repeat = 5 if quick else 15
    floor = median(time_calls(lambda: _run("-c", "pass"), repeat))
    measured = median(time_calls(lambda: _run("-m", "agentsh", "--help"), repeat))
    return [Figure("`agentsh --help`", measured, floor, "≤ 250 ms", met=measured <= 250)]
