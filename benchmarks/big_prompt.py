"""A 10 MB prompt on stdin: `head -c 7500000 /dev/urandom | base64 | agentsh run --model offline`, the whole
process (read, checks, redaction, the store and its search index, the offline model), wall time and peak RSS,
beside `agentsh run --model offline hi` in the same run (interleaved, medians). Targets: ≤ 2 s, ≤ 300 MB.

    python benchmarks/big_prompt.py [--repeat N]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_tui import compile_package

from harness import Figure, median, table

SIZE = 10_000_000  # bytes of base64 text, in 76-character lines as base64(1) writes them
AGENTSH = Path(sys.executable).with_name("agentsh")


def prompt_file(folder: Path) -> Path:
    raw = random.Random(10).randbytes(SIZE * 3 // 4)
    text = base64.encodebytes(raw)  # 76-character lines
    path = folder / "prompt.txt"
    path.write_bytes(text)
    return path


def run(home: Path, stdin: Path | None) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `agentsh run` (a child of its own, so its RSS is its own)."""
    command = [str(AGENTSH), "run", "--model", "offline", "--home", str(home)] + ([] if stdin else ["hi"])
    script = ("import resource, subprocess, sys, time; s = time.perf_counter();"
              f"r = subprocess.run({command!r}, stdin=open({str(stdin or os.devnull)!r}, 'rb'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
              "e = time.perf_counter() - s; assert r.returncode == 0, r.returncode;"
              "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    seconds, peak = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    return float(seconds), float(peak)


def figures(quick: bool = False, repeat: int | None = None) -> list[Figure]:
    compile_package()
    repeat = repeat or (2 if quick else 3)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = prompt_file(work)
        run(work / "home", None)  # the database made, the caches warm
        big, small = [], []
        for _ in range(repeat):
            big.append(run(work / "home", path))
            small.append(run(work / "home", None))
    seconds, floor = median([b[0] for b in big]), median([s[0] for s in small])
    peak, floor_peak = max(b[1] for b in big), max(s[1] for s in small)
    return [
        Figure("10 MB prompt on stdin, offline model, wall (floor: `agentsh run hi`)", seconds, floor, "≤ 2 s", unit="s", met=seconds <= 2),
        Figure("10 MB prompt on stdin, peak RSS (floor: `agentsh run hi`)", peak, floor_peak, "≤ 300 MB", unit="MB", met=peak <= 300),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    print(table(figures(repeat=args.repeat)))
    print(f"load average {os.getloadavg()[0]:.1f}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
