"""Prompt caching: how much of each request repeats the previous request byte for byte.

Providers serve a request's unchanged prefix from their cache (OpenAI and DeepSeek on their own,
Anthropic at cache_control breakpoints, Gemini implicitly). A 30-turn session with tools (a
calculator call and an answer each turn), memories recalled on every turn (one pinned, and one
added just before the turn that only its question matches, so each turn has a new one to give)
and one compaction: for every request, the share of its input (the tool
schemas, then the messages, serialised as they go out) that is a byte-identical prefix of the
request before it. The median must be at least 95%.

    python benchmarks/prefix_stability.py
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import itertools

from agentsh.config import Settings
from agentsh.models.base import ModelRequest
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session

from harness import Figure

TURNS = 30
TARGET = 0.95
TOPICS = ["rust", "python", "sqlite", "textual", "litellm", "pytest"]
COMPACT_AT_TOKENS = 9_000  # the conversation passes this once, in the last third of the session


def wire_text(request: ModelRequest) -> str:
    """The request's input in the order a provider reads it: tool schemas first, then the messages."""
    return json.dumps(request.tools, sort_keys=True) + json.dumps([m.to_provider() for m in request.messages])


def common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # bisect on slices: C-speed comparisons, not a Python loop per character
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def shares(texts: list[str]) -> list[float]:
    return [common_prefix(before, after) / len(after) for before, after in itertools.pairwise(texts)]


def answer(request: ModelRequest) -> Reply:
    if is_summary(request):
        return Reply("SUMMARY: the user asked about " + ", ".join(TOPICS))
    if request.messages[-1].role == "tool":
        return Reply(f"The result is {request.messages[-1].content}. " + "Some explanation follows. " * 12)
    return calls(("calculator", {"expression": f"{len(request.messages)} * 7"}))


async def session_requests(home: Path) -> tuple[list[ModelRequest], int]:
    settings = Settings(home=home, model="offline", context={"budget_tokens": COMPACT_AT_TOKENS}, memory={"consolidate": False})
    session = Session.open(settings)
    session.model = model = ScriptedModel(default=answer, name="scripted")
    session.memory.store.add("Always answer in British English", kind="instruction", pinned=True)
    for topic in TOPICS:
        session.memory.store.add(f"The user's project about {topic} lives in ~/src/{topic}")
    compactions = 0
    for number in range(TURNS):
        topic = TOPICS[number % len(TOPICS)]
        word = f"codename{number:02d}"  # a memory no earlier turn recalled: every turn brings a new one
        session.memory.store.add(f"The {topic} project's {word} release is due in week {number + 10}")
        async for event in session.send(f"Question {number} about {word} of my {topic} project: what is {number} times 7? " + "context " * 40):
            compactions += event.type == "compaction"
    await session.aclose()
    return [entry.request for entry in model.requests], compactions


def measure() -> tuple[list[float], list[float], int]:
    """Each request's share (from the second on), the same for each turn's first request only, and the compactions."""
    with tempfile.TemporaryDirectory() as folder:
        requests, compactions = asyncio.run(session_requests(Path(folder)))
    values = shares([wire_text(r) for r in requests])
    opening = [v for r, v in zip(requests[1:], values, strict=True) if r.messages[-1].role == "user" and not is_summary(r)]
    return values, opening, compactions


def is_summary(request: ModelRequest) -> bool:
    return request.messages[0].content.startswith("You compress a conversation")


def figures(quick: bool = False) -> list[Figure]:
    values, _, _ = measure()
    median = statistics.median(values) * 100
    return [Figure("request prefix identical to the previous request (median)", median, None, f"≥ {TARGET:.0%}", unit="%", met=median >= TARGET * 100)]


def main() -> int:
    values, opening, compactions = measure()
    median = statistics.median(values)
    print(f"{len(values) + 1} requests over {TURNS} turns ({compactions} compaction): byte-identical prefix of the previous request")
    print(f"median {median:.1%}   lowest {min(values):.1%}   p10 {sorted(values)[len(values) // 10]:.1%}   target ≥ {TARGET:.0%}")
    print(f"first request of each turn: median {statistics.median(opening):.1%}")
    return 0 if median >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
