"""The run as data (issue 21): compare, replay and trace.

- compare: four modes at once on the litellm path against the fake server, every model call taking
  1 s; against the slowest of the four run alone.
- replay: a turn of ten tool-call steps and its answer (eleven model calls of 0.1 s), then a replay
  from its last step; its time in model calls (from the trace) against the original turn's, and the
  wall times (the replay still runs the ten tools and the session's own work).
- trace: `agentsh sessions trace` (in process: the database opened, the tree built and printed) of a
  turn with 200 steps, a workflow tree with a model and a tool call under each node.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import time
from pathlib import Path

from fake_llm import Reply, data_home, fake_server, open_session, settle
from harness import Figure, median, time_calls

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import following_schemas

MODES = ["chat", "tools", "reflect", "router"]
DELAY = 1.0
STEP_DELAY = 0.1
TOOL_STEPS = 10
TRACE_STEPS = 200


def slow(body: dict) -> Reply:
    """Every call takes DELAY; structured requests get a valid instance of their schema."""
    reply = following_schemas("4")(body) or Reply(text="It is 4.")
    reply.delay = DELAY
    return reply


async def _one_mode(home: Path, mode: str) -> float:
    """One mode alone, its session's opening included (as `agentsh run` pays it; compare opens one per mode)."""
    started = time.perf_counter()
    session = open_session(home, mode=mode, memory={"consolidate": False})
    events = [event async for event in session.send("What is 2+2?")]
    elapsed = time.perf_counter() - started
    await session.aclose()
    assert events[-1].type == "done" and not events[-1].failed, events
    return elapsed


async def _compare(home: Path) -> float:
    from agentsh.compare import Contender, compare

    base = open_session(home, memory={"consolidate": False})
    started = time.perf_counter()
    result = await compare(base, "What is 2+2?", [Contender(mode, base.model_name) for mode in MODES])
    elapsed = time.perf_counter() - started
    await base.aclose()
    assert not any(entry.failed for entry in result.entries), result
    return elapsed


async def _measure_compare(repeat: int) -> tuple[list[float], list[float], list[float]]:
    together, slowest, in_turn = [], [], []
    with fake_server() as server, data_home() as home:
        server.answer = slow
        await _one_mode(home, "chat")  # litellm's import and first connection: not any mode's time
        for _ in range(repeat):
            alone = [await _one_mode(home, mode) for mode in MODES]
            await settle()
            slowest.append(max(alone))
            in_turn.append(sum(alone))
            together.append(await _compare(home))
            await settle()
    return together, slowest, in_turn


def counting(body: dict) -> Reply:
    done = sum(1 for message in body["messages"] if message.get("role") == "tool")
    if done < TOOL_STEPS:
        return Reply(tool_calls=[{"name": "count", "arguments": {"n": done + 1}}], delay=STEP_DELAY)
    return Reply(text="Counted to ten.", delay=STEP_DELAY)


def _model_seconds(session) -> float:
    """The turn's time in calls to the model, from its trace (a call's time: since the event before it)."""
    from agentsh.trace import turn_trace

    nodes = turn_trace(session.store, session.id).nodes
    asked = [node for node in nodes if node.kind == "model" and node.prompt_tokens]  # a reused answer is not a call
    return sum(node.duration_ms or 0.0 for node in asked) / 1000


async def _measure_replay(repeat: int) -> tuple[list[float], list[float], list[float], list[float]]:
    from agentsh.tools.tool import tool
    from agentsh.trace import turn_trace

    @tool
    def count(n: int) -> str:
        """Count one more."""
        return f"counted {n}"

    replays, originals, replay_model, original_model = [], [], [], []
    with fake_server() as server, data_home() as home:
        server.answer = counting
        for _ in range(repeat):
            session = open_session(home, mode="tools", memory={"consolidate": False}, max_steps=TOOL_STEPS + 5)
            session.registry.add(count)
            started = time.perf_counter()
            [event async for event in session.send("Count to ten.")]
            originals.append(time.perf_counter() - started)
            original_model.append(_model_seconds(session))
            last = turn_trace(session.store, session.id).nodes[-1]
            session.prepare_replay(str(last.number))
            session.replace_last_turn()
            hits = server.hits
            started = time.perf_counter()
            events = [event async for event in session.send("Count to ten.")]
            replays.append(time.perf_counter() - started)
            replay_model.append(_model_seconds(session))
            assert server.hits == hits + 1 and events[-1].output == "Counted to ten.", (server.hits - hits, events[-1])
            await session.aclose()
            await settle()
    return replays, originals, replay_model, original_model


def _stored_big_turn(home: Path) -> str:
    from agentsh.config import Settings
    from agentsh.events import Step, ToolCall, ToolResult, Usage
    from agentsh.messages import user
    from agentsh.session import Session

    session = Session.open(Settings(home=home, model="offline", memory={"consolidate": False}))
    store = session.store
    store.insert(session.record)
    turn_id = store.begin_turn(session.id, user("big"), "workflow:big", "offline")
    events: list = [Step(kind="workflow", id="w", title="big", status="running")]
    for n in range(TRACE_STEPS - 1):
        events += [
            Step(kind="node", id=f"n{n}", parent_id="w", title=f"node {n}", status="running"),
            Usage(model="offline", prompt_tokens=10, completion_tokens=5, cost=0.0),
            ToolCall(id=f"c{n}", name="lookup", arguments={"n": n}),
            ToolResult(id=f"c{n}", name="lookup", ok=True, output="found " * 20),
            Step(kind="node", id=f"n{n}", parent_id="w", title=f"node {n}", status="done"),
        ]
    rows = [(e.type, {**e.model_dump(mode="json"), "at": float(i)}) for i, e in enumerate(events)]
    store.finish_turn(turn_id, [user("big")], rows, {"status": "done", "model_calls": TRACE_STEPS - 1})
    return session.id


def _trace_once(home: Path, session_id: str) -> None:
    from agentsh.cli import main

    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert main(["sessions", "--home", str(home), "trace", session_id]) == 0
    assert printed.getvalue().count("\n") > TRACE_STEPS


def figures(quick: bool = False) -> list[Figure]:
    together, slowest, in_turn = asyncio.run(_measure_compare(1 if quick else 2))
    replays, originals, replay_model, original_model = asyncio.run(_measure_replay(2 if quick else 3))
    with data_home() as home:
        session_id = _stored_big_turn(home)
        _trace_once(home, session_id)  # imports warmed
        traced = median(time_calls(lambda: _trace_once(home, session_id), 5 if quick else 20))
    compared, alone = median(together), median(slowest)
    replayed, original = median(replays), median(originals)
    replayed_model, original_model_time = median(replay_model), median(original_model)
    return [
        Figure(f"compare: {len(MODES)} modes at once, {DELAY:g} s model (floor: slowest mode alone)", compared, alone,
               "≤ 1.15× the slowest", unit="s", met=compared <= 1.15 * alone),
        Figure(f"compare: the same {len(MODES)} modes (floor: run one after another)", compared, median(in_turn),
               "(for information: what compare saves)", unit="s"),
        Figure(f"replay from the last step of a {TOOL_STEPS}-step turn: model time (floor: the original's)", replayed_model,
               original_model_time, "≤ 0.1× the original's", unit="s", met=replayed_model <= 0.1 * original_model_time),
        Figure(f"replay from the last step of a {TOOL_STEPS}-step turn: wall (floor: the original turn's)", replayed, original,
               "(for information)", unit="s"),
        Figure(f"sessions trace of a {TRACE_STEPS}-step turn (in process)", traced, None, "≤ 100 ms", met=traced <= 100),
    ]
