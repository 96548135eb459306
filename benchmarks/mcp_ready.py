"""MCP start-up: from `Session.open` to the `mcp-server-time` server's tools in the session's registry, against
spawning the same server with the bare `mcp` SDK and its `initialize` + `tools/list` (interleaved, medians, both
in one process, the SDK imported before either is timed). Target ≤ 1.2× (the session's own work: config,
store, plugins, the connection's bookkeeping).

    python benchmarks/mcp_ready.py [--repeat N]
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
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from mcp import ClientSession, StdioServerParameters, stdio_client

from agentsh.config import Settings
from agentsh.session import Session

from harness import Figure, median, table

TIME_SERVER = str(Path(sys.executable).with_name("mcp-server-time"))


async def through_session(home: Path) -> float:
    started = time.perf_counter()
    settings = Settings(home=home, model="offline", memory={"recall": False, "consolidate": False},
                        mcp_servers={"time": {"command": TIME_SERVER}})
    session = Session.open(settings)
    session.start_servers()
    await session.mcp.wait_for_starting(lambda text: None)
    assert any(tool.name == "time__get_current_time" for tool in session.mcp.tools()), session.mcp.statuses()
    elapsed = time.perf_counter() - started
    await session.aclose()
    return elapsed * 1000


async def bare_sdk() -> float:
    started = time.perf_counter()
    async with stdio_client(StdioServerParameters(command=TIME_SERVER)) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        listed = await client.list_tools()
        elapsed = time.perf_counter() - started
    assert any(tool.name == "get_current_time" for tool in listed.tools)
    return elapsed * 1000


async def measure(repeat: int) -> tuple[list[float], list[float]]:
    ours, floor = [], []
    with tempfile.TemporaryDirectory() as home:
        await through_session(Path(home))
        await bare_sdk()  # warm both: the first spawn reads the server's files from disk
        for _ in range(repeat):
            ours.append(await through_session(Path(home)))
            floor.append(await bare_sdk())
    return ours, floor


def figures(quick: bool = False, repeat: int | None = None) -> list[Figure]:
    ours, floor = asyncio.run(measure(repeat or (3 if quick else 4)))
    measured, base = median(ours), median(floor)
    return [Figure("MCP start-up: Session.open to mcp-server-time's tools ready (bare SDK spawn + initialize + tools/list: floor)",
                   measured, base, "≤ 1.2×", met=measured <= 1.2 * base)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(table(figures(repeat=args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
