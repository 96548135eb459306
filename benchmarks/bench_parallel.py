"""Parallel mode: four branches of a model that takes 1 s per call, on the litellm path
against the local fake server; the aggregator (a fifth call, after the branches) answers at
once, so the turn's wall time shows how well the branches overlap. Beside it, raw `litellm.acompletion`
making the same calls with the same overlap: four at once, then the merge (litellm's own work per call
is serialized on the one event loop, so four concurrent streams take longer than one)."""

from __future__ import annotations

import asyncio
import time

from fake_llm import Reply, alternate, data_home, fake_server, litellm_kwargs, open_session, settle
from harness import Figure, median

DELAY = 1.0
BRANCHES = ["researcher", "coder", "writer", "critic"]
SETTINGS = {"parallel": {"branches": BRANCHES, "aggregate": "merge", "aggregator": "writer"}}


def script(body: dict) -> Reply:
    if "answered it independently" in body["messages"][-1]["content"]:
        return Reply(text="The merged answer.")
    return Reply(text="One branch's answer, after a second of thought.", delay=DELAY)


async def through_session(session) -> float:
    started = time.perf_counter()
    events = [event async for event in session.send("Compare the options.")]
    elapsed = time.perf_counter() - started
    await session.aclose()
    done = events[-1]
    assert done.type == "done" and not done.failed and done.model_calls == len(BRANCHES) + 1, events
    return elapsed


async def one_call(litellm, server, content: str) -> None:
    stream = await litellm.acompletion(messages=[{"role": "user", "content": content}], **litellm_kwargs(server))
    async for _ in stream:
        pass


async def same_calls(litellm, server) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(one_call(litellm, server, "Compare the options.") for _ in BRANCHES))
    await one_call(litellm, server, "You answered it independently: merge.")
    elapsed = time.perf_counter() - started
    await settle()
    return elapsed


async def _measure(repeat: int) -> tuple[list[float], list[float]]:
    from agentsh.models.litellm import load_litellm

    litellm = load_litellm()
    with fake_server() as server, data_home() as home:
        server.answer = script
        return await alternate(
            lambda: through_session(open_session(home, mode="parallel", modes=SETTINGS)),
            lambda: same_calls(litellm, server), repeat, warmup=1, between=settle,
        )


def figures(quick: bool = False) -> list[Figure]:
    ours, floor = asyncio.run(_measure(2 if quick else 4))
    measured, base = median(ours), median(floor)
    return [Figure(f"parallel mode: {len(BRANCHES)} branches of a {DELAY:g} s model (+ instant merge; floor: raw litellm, the same calls)", measured, base,
                   "≤ 1.15 s wall", unit="s", met=measured <= 1.15)]
