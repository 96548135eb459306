"""Session store figures: resuming a 10,000-message session; searching 100,000 messages.

Floors, measured in the same run: loading the same rows with one SQL query; the same
ranked FTS5 query run directly with sqlite3.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from agentsh.config import Settings
from agentsh.messages import Message, ToolCallPart
from agentsh.session import Session, open_store
from agentsh.store.search import fts_query, search_messages

from harness import Figure, cached_home, median, p95, time_interleaved

WORDS = (
    "agent tool model plan session memory search sqlite python terminal stream token cost budget "
    "router planner critic debate worker pipeline branch answer question database index query result "
    "error retry timeout plugin schema json markdown render widget history resume fork export import"
).split()


def sentence(rng: random.Random, words: int = 18) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)) + f" {rng.randrange(10**6)}"


def conversation(rng: random.Random, count: int) -> list[Message]:
    messages: list[Message] = []
    while len(messages) < count:
        messages.append(Message(role="user", content=sentence(rng)))
        if rng.random() < 0.2:
            call = ToolCallPart(id=f"c{len(messages)}", name="calculator", arguments='{"expression": "6*7"}')
            messages.append(Message(role="assistant", tool_calls=[call]))
            messages.append(Message(role="tool", content="42", tool_call_id=call.id, name="calculator"))
        messages.append(Message(role="assistant", content=sentence(rng, 40)))
    return messages[:count]


def fill(store, sessions: int, per_session: int, rng: random.Random) -> list[str]:
    ids = []
    for _ in range(sessions):
        record = store.create(mode="tools", model="offline")
        store.add_messages(record.id, conversation(rng, per_session))
        ids.append(record.id)
    return ids


def long_session(home: Path) -> None:
    fill(open_store(Settings(home=home, model="offline")), 1, 10_000, random.Random(1))


def many_sessions(home: Path) -> None:
    fill(open_store(Settings(home=home, model="offline")), 100, 1_000, random.Random(2))


def resume_figure(home: Path, quick: bool) -> Figure:
    settings = Settings(home=home, model="offline")
    [session_id] = [record.id for record in open_store(settings).list(1)]
    path = str(home / "agentsh.db")

    def resume() -> None:
        session = Session.open(settings, resume=session_id)
        [m.to_provider() for m in session.history()]

    def raw() -> None:
        connection = sqlite3.connect(path)
        connection.execute("SELECT * FROM messages WHERE session_id = ? ORDER BY seq", [session_id]).fetchall()
        connection.close()

    ours, base = time_interleaved(resume, raw, 5 if quick else 15)
    measured, floor = median(ours), median(base)
    return Figure("resume a 10,000-message session, ready to send", measured, floor, "≤ 150 ms", met=measured <= 150)


def search_figure(home: Path, quick: bool) -> Figure:
    settings = Settings(home=home, model="offline")
    store = open_store(settings)
    connection = sqlite3.connect(str(home / "agentsh.db"))
    queries = [random.Random(i).choice(WORDS) for i in range(40 if quick else 60)]

    def ours(query: str) -> None:
        search_messages(store.db, query, 20)

    def raw(query: str) -> None:
        connection.execute(SEARCH_SQL_RAW, [fts_query(query)]).fetchall()

    pairs = [time_interleaved(lambda q=q: ours(q), lambda q=q: raw(q), 1) for q in queries]
    measured, floor = p95([a[0] for a, _ in pairs]), p95([b[0] for _, b in pairs])
    return Figure("sessions search, 100,000 messages, p95", measured, floor, "≤ 1.5× floor", met=measured <= 1.5 * floor)


SEARCH_SQL_RAW = """
SELECT rowid, snippet(messages_fts, 0, '«', '»', '…', 12) AS snippet, bm25(messages_fts) AS rank
FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT 20
"""


def figures(quick: bool = False) -> list[Figure]:
    return [resume_figure(cached_home("long-session", long_session), quick), search_figure(cached_home("many-sessions", many_sessions), quick)]


if __name__ == "__main__":
    from harness import table

    print(table(figures()))
