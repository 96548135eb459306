"""One MCP tool call through a turn (model excluded) against a raw SDK `call_tool` on the same server.

Through a turn: a session whose scripted model calls `time__get_current_time` (allowed in the config,
so no approval question), measured by the executor's own clock (the ToolResult's duration: lookup,
validation, approval policy, the call through agentsh's connection, result mapping, redaction,
truncation). Raw: `ClientSession.call_tool` on a connection of its own to the same server command.
Interleaved, medians; target ≤ 1.2× (README "MCP").

    python benchmarks/mcp_call.py [--calls N]
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
from agentsh.events import ToolResult
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.session import Session

from harness import Figure, median, table

TIME_SERVER = str(Path(sys.executable).with_name("mcp-server-time"))
ARGUMENTS = {"timezone": "Asia/Tokyo"}


async def through_turns(session: Session, model: ScriptedModel, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        model.add(calls(("time__get_current_time", ARGUMENTS)))
        model.add("ok")
        async for event in session.send("time?"):
            if isinstance(event, ToolResult):
                assert event.ok, event.output
                samples.append(event.duration_ms)
    return samples


async def raw(client: ClientSession, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        result = await client.call_tool("get_current_time", ARGUMENTS)
        samples.append((time.perf_counter() - started) * 1000)
        assert not result.is_error
    return samples


async def measure(count: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(
            home=Path(home), model="offline", memory={"recall": False, "consolidate": False},
            mcp_servers={"time": {"command": TIME_SERVER, "allow": ["*"]}},
        )
        session = Session.open(settings)
        model = ScriptedModel()
        session.model = model
        session.start_servers()
        await session.mcp.wait_for_starting(lambda text: None)
        ours, theirs = [], []
        async with stdio_client(StdioServerParameters(command=TIME_SERVER)) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            await raw(client, 5)
            await through_turns(session, model, 5)  # warm both
            for _ in range(count):  # one of each in turn: the machine's load weighs on both alike
                theirs += await raw(client, 1)
                ours += await through_turns(session, model, 1)
        await session.aclose()
    return ours, theirs


def figures(quick: bool = False, count: int | None = None) -> list[Figure]:
    ours, theirs = asyncio.run(measure(count or (50 if quick else 200)))
    measured, floor = median(ours), median(theirs)
    return [Figure("MCP tool call through a turn (raw SDK call_tool: floor)", measured, floor, "≤ 1.2×", met=measured <= 1.2 * floor)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(table(figures(count=args.calls)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
