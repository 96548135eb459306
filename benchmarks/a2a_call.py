"""One remote A2A agent answering through a turn, against the a2a-sdk's own client asking the same agent.

Through a turn: a session in `pipeline` mode whose one stage is `[agents.remote] url = ...` (no local model
call), timed from `send` to the turn's end — the remote step, the streamed answer, the turn stored. Raw: the
SDK's `Client.send_message` on the same server with its card already resolved (the session fetches it once,
on its first turn, which is left out). The agent is tests/a2a_agents.py's Echo in a uvicorn thread on
127.0.0.1. Interleaved, medians; informational (no target in the README).

    python benchmarks/a2a_call.py [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.helpers import new_text_message
from a2a.types.a2a_pb2 import Role, SendMessageRequest

from agentsh.config import Settings
from agentsh.session import Session

from a2a_agents import Echo, serve_agent
from harness import Figure, median, table


async def one_turn(session: Session) -> float:
    started = time.perf_counter()
    async for _event in session.send("ping"):
        pass
    return (time.perf_counter() - started) * 1000


async def one_raw(client) -> float:
    started = time.perf_counter()
    async for _reply in client.send_message(SendMessageRequest(message=new_text_message("ping", role=Role.ROLE_USER))):
        pass
    return (time.perf_counter() - started) * 1000


async def measure(url: str, home: Path, count: int) -> tuple[list[float], list[float]]:
    stages = [{"agent": "remote", "prompt": "{request}"}]
    settings = Settings(home=home, model="offline", mode="pipeline", agents={"remote": {"url": url}}, modes={"pipeline": {"stages": stages}},
                        memory={"consolidate": False, "recall": False})
    session = Session.open(settings)
    ours, base = [], []
    async with httpx.AsyncClient() as http:
        card = await A2ACardResolver(http, url).get_agent_card()
        client = ClientFactory(ClientConfig(httpx_client=http)).create(card)
        await one_turn(session)  # its card, fetched once per session
        for _ in range(count):
            ours.append(await one_turn(session))
            base.append(await one_raw(client))
    await session.aclose()
    return ours, base


def figures(quick: bool = False, count: int | None = None) -> list[Figure]:
    count = count or (10 if quick else 40)
    with tempfile.TemporaryDirectory() as folder, serve_agent(Echo()) as agent:
        os.environ["XDG_CONFIG_HOME"] = str(Path(folder) / "config")
        ours, base = asyncio.run(measure(agent.url, Path(folder) / "home", count))
    return [Figure("a remote A2A agent answering a turn (pipeline stage) vs the SDK client alone", median(ours), median(base), "informational")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=40)
    print(table(figures(count=parser.parse_args().calls)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
