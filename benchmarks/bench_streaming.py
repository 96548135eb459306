"""Streaming throughput: chunks/s through `Session.send` to its last event (TurnDone),
beside `litellm.acompletion(stream=True)` reading the same 2,000-chunk stream from the
same local fake server, in the same process, samples alternating.

Both clocks stop once the stream's work is all done: litellm logs a call in a task of its
own after the stream ends, which in a turn runs before TurnDone and after a bare loop
returns. Each sample starts with nothing running and a fresh collector (`fresh`).
"""

from __future__ import annotations

import asyncio
import time

from fake_llm import Reply, data_home, fake_server, fresh, litellm_kwargs, open_session, settle
from harness import Figure, median

CHUNKS = 2000
CHUNK_SIZE = 4
# varied text: litellm rejects a stream that repeats one chunk over and over
TEXT = ("lorem ipsum dolor sit amet " * (CHUNKS * CHUNK_SIZE // 27 + 1))[: CHUNKS * CHUNK_SIZE]


async def through_session(session) -> float:
    """Seconds from `send` to TurnDone (and the turn's background work done)."""
    started = time.perf_counter()
    last = None
    async for event in session.send("stream"):
        last = event
    await session.aclose()
    await settle()
    elapsed = time.perf_counter() - started
    assert last is not None and last.type == "done" and not last.failed and len(last.output) == len(TEXT), last
    return elapsed


async def through_litellm(litellm, server) -> float:
    started = time.perf_counter()
    stream = await litellm.acompletion(messages=[{"role": "user", "content": "stream"}], **litellm_kwargs(server))
    received = 0
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            received += 1
    await settle()
    elapsed = time.perf_counter() - started
    assert received == CHUNKS, received
    return elapsed


async def _measure(repeat: int) -> tuple[list[float], list[float]]:
    from agentsh.models.litellm import load_litellm

    litellm = load_litellm()
    ours, floor = [], []
    with fake_server() as server, data_home() as home:
        server.answer = lambda body: Reply(text=TEXT, chunk_size=CHUNK_SIZE)
        for sample in range(repeat + 1):  # the first warms both paths up
            session = open_session(home)  # a new session each time: the same request each time
            await fresh()
            measured = await through_session(session)
            await fresh()
            base = await through_litellm(litellm, server)
            if sample:
                ours.append(CHUNKS / measured)
                floor.append(CHUNKS / base)
    return ours, floor


def figures(quick: bool = False) -> list[Figure]:
    ours, floor = asyncio.run(_measure(3 if quick else 5))
    measured, base = median(ours), median(floor)
    return [Figure(f"streaming {CHUNKS:,} chunks through `Session.send`", measured, base, "≥ 0.9× floor",
                   unit="chunks/s", met=measured >= 0.9 * base)]
