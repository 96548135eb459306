"""`agentsh run "hi"` with the task service warm, cold (in process), and the floor, against the local fake server.

The floor: a fresh Python process that imports httpx and POSTs the very chat request agentsh sends (taken
from the fake server after a cold run), reading the streamed answer to its end. The three run interleaved,
each a fresh process timed from start to exit; the ratios are taken pair by pair (one round's warm over the
same round's floor, its cold over its warm) and their medians reported.

Targets (issue #22): warm ≤ 1.5× the floor, and ≥ 4× faster than cold.

    python benchmarks/warm_run.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakeserver import FakeOpenAIServer, Reply
from harness import Figure, median

MODEL = "openai/fake-model"
FLOOR = """
import json, sys, httpx
url, body = sys.argv[1], json.loads(sys.argv[2])
with httpx.stream("POST", url, json=body, headers={"Authorization": "Bearer sk-bench"}) as response:
    for _ in response.iter_bytes():
        pass
"""


def _environment(root: Path, server: FakeOpenAIServer) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AGENTSH_")}
    env.update(
        XDG_CONFIG_HOME=str(root / "config"), XDG_DATA_HOME=str(root / "data"), HOME=str(root / "home"),
        OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench", LITELLM_LOCAL_MODEL_COST_MAP="True",
        AGENTSH_MODEL=MODEL, AGENTSH_LOCAL_SERVERS="",
    )
    return env


def _timed(command: list[str], env: dict[str, str], answer: str = "hello") -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0 or answer not in done.stdout:
        raise SystemExit(f"benchmark run failed ({done.returncode}): {' '.join(command[-3:])}\n{done.stderr}")
    return elapsed


def _start_service(env: dict[str, str], home: Path) -> subprocess.Popen[bytes]:
    service = subprocess.Popen(
        [sys.executable, "-m", "agentsh", "serve", "--port", "0", "--home", str(home), "--idle-timeout", "0"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (home / "service" / "service.json").exists():
        if service.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("agentsh serve did not start")
        time.sleep(0.05)
    return service


def measure(rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {"warm": [], "cold": [], "floor": []}
    with FakeOpenAIServer() as server, tempfile.TemporaryDirectory() as folder:
        server.default_reply = Reply(text="hello")
        root = Path(folder)
        home = root / "data" / "agentsh"
        env = _environment(root, server)
        run = [sys.executable, "-m", "agentsh", "run", "hi"]
        _timed(run, {**env, "AGENTSH_NO_SERVICE": "1"})  # the store made, and the request to copy
        floor = [sys.executable, "-c", FLOOR, server.base_url + "/chat/completions", json.dumps(server.requests[-1]["body"])]
        service = _start_service(env, home)
        try:
            _timed(run, env)  # the service's first turn loads litellm: not a warm run
            for _ in range(rounds):
                samples["warm"].append(_timed(run, env))
                samples["cold"].append(_timed(run, {**env, "AGENTSH_NO_SERVICE": "1"}))
                samples["floor"].append(_timed(floor, env, answer=""))
        finally:
            service.terminate()
            service.wait(timeout=30)
    return samples


def figures(quick: bool = False) -> list[Figure]:
    samples = measure(3 if quick else 4)
    warm, cold, floor = samples["warm"], samples["cold"], samples["floor"]
    over_floor = median([w / f for w, f in zip(warm, floor, strict=True)])
    speedup = median([c / w for c, w in zip(cold, warm, strict=True)])
    return [
        Figure("`agentsh run hi`, warm service (pairwise ratio to the floor)", median(warm), median(floor), "≤ 1.5× a bare httpx POST",
               met=over_floor <= 1.5),
        Figure("`agentsh run hi`, cold (in process)", median(cold), median(warm), "≥ 4× the warm run", met=speedup >= 4),
        Figure("warm ÷ floor, pair by pair (median)", over_floor, None, "≤ 1.5", unit="×", met=over_floor <= 1.5),
        Figure("cold ÷ warm, pair by pair (median)", speedup, None, "≥ 4", unit="×", met=speedup >= 4),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    from harness import table

    samples = measure(args.rounds)
    for name, values in samples.items():
        print(f"{name:>5}: " + " ".join(f"{value:.0f}" for value in values) + " ms")
    warm, cold, floor = samples["warm"], samples["cold"], samples["floor"]
    print(table([
        Figure("warm run", median(warm), median(floor), "≤ 1.5× floor", met=median([w / f for w, f in zip(warm, floor, strict=True)]) <= 1.5),
        Figure("cold run", median(cold), median(warm), "≥ 4× warm", met=median([c / w for c, w in zip(cold, warm, strict=True)]) >= 4),
    ]))
    print(f"pairwise medians: warm/floor {median([w / f for w, f in zip(warm, floor, strict=True)]):.2f}×, "
          f"cold/warm {median([c / w for c, w in zip(cold, warm, strict=True)]):.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
