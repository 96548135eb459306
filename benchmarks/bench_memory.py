"""Long-term memory figures: recall over 100,000 memories, and what recall adds to a turn.

Floors, measured in the same run: the same FTS5 query run directly with sqlite3; the same
turn with recall turned off.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from agentsh.config import Settings
from agentsh.memory.query import content_words, match_any
from agentsh.memory.store import RANK_SQL, MemoryStore, normalize
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.session import Session, open_store
from agentsh.store.db import write_transaction
from agentsh.store.records import now

from harness import Figure, median, p95, time_interleaved

COUNT = 100_000
VERBS = ["prefers", "uses", "decided on", "works on", "likes", "wants"]
TOPICS = ["python", "the project", "files", "tests", "the database", "commit messages"]
QUESTIONS = [
    "what is my favourite {a}?", "remind me what we decided about the {a} {b}", "which {a} do I use for {b}?",
    "how did we configure {a} and {b} last week?", "tell me about my {a}", "what do you know about {a} {b} {c}",
    "which files does the project use for {a}?", "what did we decide about python tests and {a}?",
    "what do I prefer for the database?",
]


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    syllables = "ka to ri mo sa lu ne vi da po ste gra fen mil cor tas bel run".split()
    return sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)})


def fill(store: MemoryStore, words: list[str], rng: random.Random) -> None:
    stamp = now()
    rows = []
    for index in range(COUNT):
        detail = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
        text = f"The user {rng.choice(VERBS)} {rng.choice(TOPICS)} {detail} ({index})"  # the style consolidation writes
        rows.append({"text": text, "normalized": normalize(text), "kind": "fact", "importance": 3, "created_at": stamp, "updated_at": stamp})
    with write_transaction(store.db):
        store.db["memories"].insert_all(rows, batch_size=2000)
    for index in range(3):
        store.add(f"Pinned preference number {index}: {rng.choice(words)}", pinned=True)


def question(rng: random.Random, words: list[str]) -> str:
    return rng.choice(QUESTIONS).format(a=rng.choice(words), b=rng.choice(words), c=rng.choice(words))


def recall_figure(home: Path, quick: bool) -> Figure:
    rng = random.Random(3)
    words = vocabulary(rng)
    store = MemoryStore(open_store(Settings(home=home)).db)
    fill(store, words, rng)
    connection = sqlite3.connect(str(home / "agentsh.db"))
    queries = [question(rng, words) for _ in range(60 if quick else 200)]

    def raw(query: str) -> None:
        if query:
            connection.execute(RANK_SQL, [query, 5]).fetchall()

    # the floor runs the same FTS query our recall runs (common words already left out)
    same_query = {q: match_any(store.terms.rare_enough(content_words(q))) for q in queries}
    pairs = [time_interleaved(lambda q=q: store.recall(q, 5), lambda q=q: raw(same_query[q]), 1) for q in queries]
    measured, floor = p95([a[0] for a, _ in pairs]), p95([b[0] for _, b in pairs])
    return Figure("memory recall, 100,000 memories, p95", measured, floor, "≤ 5 ms", met=measured <= 5)


def turn_figure(home: Path, quick: bool) -> Figure:
    """Milliseconds from `send` to the model's first request, with and without recall (same store)."""
    rng = random.Random(4)
    words = vocabulary(rng)

    async def first_request_after(recall: bool, text: str) -> float:
        model = ScriptedModel(Reply("ok"))
        session = Session.open(Settings(home=home, model="offline", memory={"recall": recall, "consolidate": False}))
        session.model = model
        started = time.monotonic()  # the clock ScriptedModel stamps its requests with
        async for _ in session.send(text):
            pass
        return (model.requests[0].started - started) * 1000

    on, off = [], []
    for _ in range(10 if quick else 30):
        text = question(rng, words)
        on.append(asyncio.run(first_request_after(True, text)))
        off.append(asyncio.run(first_request_after(False, text)))
    added = median(on) - median(off)
    return Figure("recall added before the model call", median(on), median(off), "≤ +5 ms", met=added <= 5)


def figures(quick: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        return [recall_figure(home, quick), turn_figure(home, quick)]


if __name__ == "__main__":
    from harness import table

    print(table(figures(quick=True)))
