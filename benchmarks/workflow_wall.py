"""Workflows: 20 agent nodes, 5 levels deep with 4 independent nodes per level, each a call to a model
that takes 1 s. The critical path is 5 calls (5 s); the wall time shows how well each level's nodes
overlap. Target: ≤ 1.1× the critical path.

Two figures: on a scripted 1 s model (what the scheduler itself adds), and on the litellm path against
the local fake server, beside its floor: raw `litellm.acompletion` making the same calls with the same
overlap, five levels of four at once (the critical path as litellm itself walks it on this machine: four
concurrent streams share one event loop, and litellm's own per-call work is serialized on it).

    python benchmarks/workflow_wall.py [--quick]
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fake_llm import Reply, data_home, fake_server, litellm_kwargs, open_session, settle
from harness import Figure, median

DELAY = 1.0
LEVELS, WIDTH = 5, 4
CRITICAL_PATH = LEVELS * DELAY
TARGET = 1.1 * CRITICAL_PATH


def workflow_text() -> str:
    """Level n's four nodes each need every node of level n-1."""
    lines = []
    for level in range(LEVELS):
        for index in range(WIDTH):
            needs = ", ".join(f'"n{level - 1}_{i}"' for i in range(WIDTH)) if level else ""
            lines += [f"[nodes.n{level}_{index}]", 'kind = "agent"', f'prompt = "level {level}, node {index}"', f"needs = [{needs}]", ""]
    return "\n".join(lines)


@contextlib.contextmanager
def workflow_folder() -> Iterator[None]:
    saved = os.environ.get("XDG_CONFIG_HOME")
    with tempfile.TemporaryDirectory() as config:
        os.environ["XDG_CONFIG_HOME"] = config
        folder = Path(config) / "agentsh" / "workflows"
        folder.mkdir(parents=True)
        (folder / "wide.toml").write_text(workflow_text())
        try:
            yield
        finally:
            os.environ.pop("XDG_CONFIG_HOME") if saved is None else os.environ.update(XDG_CONFIG_HOME=saved)


async def one_run(session) -> float:
    started = time.perf_counter()
    events = [event async for event in session.send("go")]
    elapsed = time.perf_counter() - started
    await session.aclose()
    done = events[-1]
    assert done.type == "done" and not done.failed and done.model_calls == LEVELS * WIDTH, events[-3:]
    return elapsed


def scripted_session(home: Path):
    from agentsh.config import Settings
    from agentsh.models.scripted import Reply as Scripted, ScriptedModel
    from agentsh.session import Session

    session = Session.open(Settings(home=home, model="offline", mode="workflow:wide", memory={"consolidate": False}))
    session.model = ScriptedModel(default=Scripted(text="done after a second", delay=DELAY))
    return session


async def on_scripted(repeat: int) -> list[float]:
    with workflow_folder(), data_home() as home:
        return [await one_run(scripted_session(home)) for _ in range(repeat)]


async def on_litellm(repeat: int) -> tuple[list[float], list[float]]:
    from agentsh.models.litellm import load_litellm

    litellm = load_litellm()
    with fake_server() as server, data_home() as home, workflow_folder():
        server.answer = lambda body: Reply(text="done after a second", delay=DELAY)
        await one_run(open_session(home, mode="workflow:wide"))  # warm-up, unrecorded: the first connection
        await settle()
        ours, floor = [], []
        for _ in range(repeat):
            ours.append(await one_run(open_session(home, mode="workflow:wide")))
            await settle()
            floor.append(await raw_calls(litellm, server))
            await settle()
        return ours, floor


async def raw_calls(litellm, server) -> float:
    async def one() -> None:
        stream = await litellm.acompletion(messages=[{"role": "user", "content": "go"}], **litellm_kwargs(server))
        async for _ in stream:
            pass

    started = time.perf_counter()
    for _ in range(LEVELS):
        await asyncio.gather(*(one() for _ in range(WIDTH)))
    return time.perf_counter() - started


def figures(quick: bool = False) -> list[Figure]:
    repeat = 1 if quick else 3
    scripted = median(asyncio.run(on_scripted(1)))  # no network, little noise: one run
    ours, floor = asyncio.run(on_litellm(max(1, repeat - 1)))
    name = f"workflow: {LEVELS} levels × {WIDTH} nodes of a {DELAY:g} s model"
    target = f"≤ {TARGET:.1f} s wall (1.1× the critical path)"
    return [
        Figure(f"{name} (scripted model)", scripted, CRITICAL_PATH, target, unit="s", met=scripted <= TARGET),
        Figure(f"{name} (litellm, fake server; floor: raw litellm, the same calls, {WIDTH} at once per level)", median(ours), median(floor), target, unit="s",
               met=median(ours) <= TARGET),
    ]


if __name__ == "__main__":
    for figure in figures(quick="--quick" in sys.argv):
        print(figure.row())
