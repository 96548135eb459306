"""Timing helpers shared by the benchmarks: repeat, take the median and p95, compare to a floor."""

from __future__ import annotations

import hashlib
import inspect
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).with_name(".cache")  # git-ignored
SCHEMA = Path(__file__).resolve().parents[1] / "agentsh" / "store" / "migrations.py"


@dataclass
class Figure:
    name: str
    measured: float
    floor: float | None
    target: str
    unit: str = "ms"
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.measured / self.floor if self.floor else None

    def row(self) -> str:
        floor = f"{self.floor:.2f} {self.unit}" if self.floor is not None else "—"
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else "—"
        verdict = {True: "met", False: "MISSED", None: ""}[self.met]
        return f"| {self.name} | {self.measured:.2f} {self.unit} | {floor} | {ratio} | {self.target} | {verdict} |"


def time_calls(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds for each of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_interleaved(measured: Callable[[], object], floor: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """Alternate the two, so both see the same machine noise; returns (measured, floor) samples."""
    ours, base = [], []
    for _ in range(repeat):
        ours += time_calls(measured, 1)
        base += time_calls(floor, 1)
    return ours, base


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def table(figures: list[Figure]) -> str:
    lines = ["| figure | measured | floor | ratio | target | |", "|---|---|---|---|---|---|"]
    return "\n".join(lines + [f.row() for f in figures])


def cached_home(name: str, build: Callable[[Path], object]) -> Path:
    """A data home filled once by `build(home)` and kept under benchmarks/.cache, until the schema (the
    store's migrations) or the benchmark's module changes: the runs measure reading it, not writing it."""
    source = SCHEMA.read_text() + inspect.getsource(inspect.getmodule(build) or build)
    home = CACHE / f"{name}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"
    if not (home / ".built").exists():
        for stale in CACHE.glob(f"{name}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        home.mkdir(parents=True)
        build(home)
        (home / ".built").touch()
    return home
