"""The task service under load: 100 tasks submitted at once, each one model call of 1 s, concurrency 8.

`agentsh serve` runs as a subprocess on 127.0.0.1 (port 0) against the local fake OpenAI-compatible server
(tests/fakeserver.py) whose every answer waits DELAY seconds. The ideal wall time is ceil(100 / 8) × 1 s = 13 s;
the target is ≤ 1.15× that. Beside it, the floor of what one process can do with litellm: the same 100
calls, 8 at a time, through raw `litellm.acompletion` in a fresh process (litellm's own work per call is
serialized on one event loop, as the service's tasks are). The service's RSS is read from /proc after one warm-up task (litellm loaded: "idle")
and again once the 100 have finished; the target is within 50 MB.

    python benchmarks/service_load.py [--tasks 100] [--concurrency 8] [--delay 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fakeserver import FakeOpenAIServer, Reply
from harness import Figure, table

FINAL = {"completed", "failed", "cancelled"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_service(home: Path, server: FakeOpenAIServer, concurrency: int) -> tuple[subprocess.Popen, str, str]:
    env = {
        **os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-bench", "AGENTSH_MODEL": "openai/fake-model",
        "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"), "AGENTSH_LOCAL_SERVERS": "",
    }
    command = [sys.executable, "-m", "agentsh", "serve", "--port", "0", "--concurrency", str(concurrency), "--home", str(home / "agentsh")]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    line = process.stdout.readline() if process.stdout else ""
    url = line.split("serving on ", 1)[1].split(" ", 1)[0]
    token = (home / "agentsh" / "service" / "token").read_text().strip()
    return process, url, token


async def run_tasks(client: httpx.AsyncClient, count: int) -> float:
    """Seconds from submitting `count` tasks at once until the last has finished."""
    started = time.perf_counter()
    answers = await asyncio.gather(*(client.post("/v1/tasks", json={"prompt": f"task {n}"}) for n in range(count)))
    ids = {answer.json()["id"] for answer in answers}
    while True:
        listed = (await client.get("/v1/tasks", params={"limit": 1000})).json()["tasks"]
        if all(task["status"] in FINAL for task in listed if task["id"] in ids):
            failed = [task for task in listed if task["id"] in ids and task["status"] != "completed"]
            assert not failed, failed[:2]
            return time.perf_counter() - started
        await asyncio.sleep(0.05)


async def measure(url: str, token: str, pid: int, count: int) -> tuple[float, float, float, float]:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits) as client:
        cold = rss_mb(pid)
        await run_tasks(client, 1)  # warm-up: litellm is imported by the first task
        await asyncio.sleep(1)
        idle = rss_mb(pid)
        wall = await run_tasks(client, count)
        await asyncio.sleep(2)
        return cold, idle, wall, rss_mb(pid)


async def raw_calls(base_url: str, count: int, concurrency: int) -> float:
    """In the floor's own process: `count` streamed litellm calls, `concurrency` at a time; seconds."""
    sys.path.insert(0, str(Path(__file__).parent))
    from agentsh.models.litellm import load_litellm

    from fake_llm import MODEL

    litellm = load_litellm()
    gate = asyncio.Semaphore(concurrency)
    kwargs = {"model": MODEL, "api_base": base_url, "api_key": "sk-bench", "stream": True, "stream_options": {"include_usage": True}}

    async def one(n: int) -> None:
        async with gate:
            stream = await litellm.acompletion(messages=[{"role": "user", "content": f"task {n}"}], **kwargs)
            async for _ in stream:
                pass

    await one(-1)  # the first connection, as the service's warm-up task
    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - started


def raw_floor(base_url: str, count: int, concurrency: int) -> float:
    command = [sys.executable, __file__, "--raw", base_url, "--tasks", str(count), "--concurrency", str(concurrency)]
    return float(subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--raw", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw:
        print(asyncio.run(raw_calls(args.raw, args.tasks, args.concurrency)))
        return
    with tempfile.TemporaryDirectory() as folder, FakeOpenAIServer() as server:
        server.default_reply = Reply(text="done", delay=args.delay)
        process, url, token = start_service(Path(folder), server, args.concurrency)
        try:
            cold, idle, wall, after = asyncio.run(measure(url, token, process.pid, args.tasks))
        finally:
            process.terminate()
            process.wait(30)
        floor = raw_floor(server.base_url, args.tasks, args.concurrency)
    ideal = math.ceil(args.tasks / args.concurrency) * args.delay
    figures = [
        Figure(f"{args.tasks} tasks, 1 model call of {args.delay:g} s each, concurrency {args.concurrency}: wall", wall, ideal,
               "≤ 1.15× the ideal", unit="s", met=wall <= 1.15 * ideal),
        Figure("the same wall beside raw litellm making the same calls, 8 at a time, in one process", wall, floor,
               "(where the rest goes)", unit="s"),
        Figure("service RSS after them vs idle (litellm loaded)", after, idle, "within 50 MB", unit="MB", met=after - idle <= 50),
    ]
    print(table(figures))
    print(f"\nRSS at start (before the first task imported litellm): {cold:.1f} MB; idle after one task: {idle:.1f} MB; "
          f"after {args.tasks} tasks: {after:.1f} MB (+{after - idle:.1f} MB)")


if __name__ == "__main__":
    main()
