"""Run every benchmark and print one table: median (or p95), the floor beside it, the ratio.

    python benchmarks/run.py            # the full run
    python benchmarks/run.py --quick    # fewer repetitions

Each suite runs in a process of its own, with a time limit (`--suite-timeout`): a suite that hangs
(a tmux session gone, a server that never answers) is stopped and reported as a missed row, and
the others' figures are still printed — each suite's as soon as it ends, on stderr, then the table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from harness import Figure, table

SUITES = [
    "bench_startup", "bench_sessions", "bench_stats", "bench_memory", "prefix_stability", "bench_plugins", "bench_secrets", "bench_tui", "bench_paste",
    "workflow_check", "big_prompt", "mcp_ready", "mcp_call",
    # the model path, on the local fake server
    "bench_litellm_import", "bench_streaming", "bench_toolloop", "bench_parallel", "workflow_wall", "tool_schema_tokens", "bench_trace",
    "warm_run",  # starts an `agentsh serve` of its own
]
FIGURES_MARK = "FIGURES "  # the line a suite's process ends with: its figures as JSON


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", action="append", help="run only this suite (repeatable)")
    parser.add_argument("--suite-timeout", type=float, default=300, help="seconds a suite may take before it is stopped (300)")
    parser.add_argument("--in-process", metavar="SUITE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        return run_here(args.in_process, args.quick)
    figures = []
    started = time.perf_counter()
    for name in args.only or SUITES:
        suite_started = time.perf_counter()
        found = run_apart(name, args.quick, args.suite_timeout)
        print(table(found), file=sys.stderr)
        print(f"{name}: {time.perf_counter() - suite_started:.0f} s\n", file=sys.stderr, flush=True)
        figures += found
    print(table(figures))
    print(f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s")
    return 0


def run_here(name: str, quick: bool) -> int:
    figures = __import__(name).figures(quick=quick)
    print(FIGURES_MARK + json.dumps([dataclasses.asdict(figure) for figure in figures]), flush=True)
    return 0


def run_apart(name: str, quick: bool, limit: float) -> list[Figure]:
    """One suite in a process of its own (its own imports, its own event loop); stopped whole after `limit` seconds."""
    command = [sys.executable, __file__, "--in-process", name, *(["--quick"] if quick else [])]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        output, _ = child.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return [Figure(f"{name}: did not finish", limit, None, f"within {limit:.0f} s", unit="s", met=False)]
    lines = [line for line in output.splitlines() if line.startswith(FIGURES_MARK)]
    if child.returncode != 0 or not lines:
        return [Figure(f"{name}: failed (exit {child.returncode})", 0, None, "runs", unit="s", met=False)]
    return [Figure(**fields) for fields in json.loads(lines[-1][len(FIGURES_MARK) :])]


if __name__ == "__main__":
    raise SystemExit(main())
