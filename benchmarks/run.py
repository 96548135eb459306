"""Run every benchmark and print one table: median (or p95), the floor beside it, the ratio.

    python benchmarks/run.py            # the full run
    python benchmarks/run.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from harness import table

SUITES = [
    "bench_startup", "bench_sessions", "bench_stats", "bench_memory", "prefix_stability", "bench_plugins", "bench_secrets", "bench_tui", "bench_paste",
    "workflow_check", "big_prompt", "mcp_ready", "mcp_call",
    # the model path, on the local fake server (these import litellm into this process: last)
    "bench_litellm_import", "bench_streaming", "bench_toolloop", "bench_parallel", "workflow_wall", "tool_schema_tokens", "bench_trace",
    "warm_run",  # starts an `agentsh serve` of its own
]


if (Path(__file__).parent / "warm_run.py").exists():  # the warm service's one-shot, measured by its own suite
    SUITES.append("warm_run")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", action="append", help="run only this suite (repeatable)")
    args = parser.parse_args()
    figures = []
    started = time.perf_counter()
    for name in args.only or SUITES:
        module = __import__(name)
        figures += module.figures(quick=args.quick)
    print(table(figures))
    print(f"\n{len(figures)} figures in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
