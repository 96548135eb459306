"""Search and resume at scale: 1,000,000 messages in 10,000 sessions (one of them 10,000 messages long).

The store is built once (about a minute: bulk inserts in one transaction, the search index rebuilt at the end)
and cached in benchmarks/.scale/ (git-ignored; delete it to build again). Figures, each beside its floor in the
same run: `sessions list` (the store's listing, in process), `sessions search` p95 against the same FTS5
query in raw sqlite3, resume of the 10,000-message session against one SQL query for its rows, and the data
file's size per 1,000 messages.

    python benchmarks/scale.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from agentsh.config import Settings
from agentsh.session import Session, open_store
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.search import fts_query, search_messages

from bench_sessions import SEARCH_SQL_RAW, WORDS
from harness import Figure, median, p95, table, time_interleaved

HOME = Path(__file__).parent / ".scale"
SESSIONS, MESSAGES, LONG = 10_000, 1_000_000, 10_000
LONG_ID = "long-session"


def sentences(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 40))) for _ in range(count)]


def session_rows() -> list[tuple]:
    rows = []
    for n in range(SESSIONS):
        stamp = f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:{n % 60:02d}+00:00"
        rows.append((LONG_ID if n == 0 else f"s{n:05d}", f"session {n} about {WORDS[n % len(WORDS)]}", "tools", "offline",
                     stamp, stamp, "/home/user/project", "interactive" if n % 3 else "run"))
    return rows


def message_rows(session_ids: list[str], rng: random.Random):
    pool = sentences(rng, 5_000)
    per_session = (MESSAGES - LONG) // (len(session_ids) - 1)
    counts = {session_id: per_session for session_id in session_ids}
    counts[LONG_ID] = LONG
    number = 0
    for session_id, count in counts.items():
        for seq in range(count):
            number += 1
            role = "user" if seq % 2 == 0 else "assistant"
            yield (session_id, seq, role, f"{pool[number % len(pool)]} {number}", "2026-01-01T00:00:00+00:00")


def build(path: Path) -> float:
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    open_database(partial).conn.close()  # the schema, every migration applied
    connection = sqlite3.connect(partial, isolation_level=None)
    trigger = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_ai'").fetchone()[0]
    connection.execute("BEGIN")
    connection.execute("DROP TRIGGER messages_ai")  # indexed once at the end, not row by row
    rows = session_rows()
    connection.executemany(
        "INSERT INTO sessions (id, title, mode, model, created_at, updated_at, workspace, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO messages (session_id, seq, role, content, created_at) VALUES (?, ?, ?, ?, ?)",
                           message_rows([r[0] for r in rows], random.Random(25)))
    connection.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    connection.execute(trigger)
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    partial.rename(path)
    return time.perf_counter() - started


def list_figure(settings: Settings, repeat: int) -> Figure:
    store = open_store(settings)
    path = str(settings.home / DB_FILENAME)

    def ours() -> None:
        store.list(limit=20, interactive_first=True)

    def raw() -> None:
        connection = sqlite3.connect(path)
        connection.execute("SELECT * FROM sessions ORDER BY updated_at DESC LIMIT 20").fetchall()
        connection.close()

    mine, floor = time_interleaved(ours, raw, repeat)
    measured = median(mine)
    return Figure("`sessions list`, 10,000 sessions (median, in process)", measured, median(floor), "≤ 50 ms", met=measured <= 50)


def search_figure(settings: Settings, repeat: int) -> Figure:
    store = open_store(settings)
    connection = sqlite3.connect(str(settings.home / DB_FILENAME))
    queries = [" ".join(random.Random(i).sample(WORDS, 2)) for i in range(repeat)]
    pairs = [time_interleaved(lambda q=q: search_messages(store.db, q, 20), lambda q=q: connection.execute(SEARCH_SQL_RAW, [fts_query(q)]).fetchall(), 1)
             for q in queries]
    measured, floor = p95([a[0] for a, _ in pairs]), p95([b[0] for _, b in pairs])
    return Figure("`sessions search`, 1,000,000 messages (p95, two-word queries)", measured, floor, "≤ 1.5× floor", met=measured <= 1.5 * floor)


def resume_figure(settings: Settings, repeat: int) -> Figure:
    path = str(settings.home / DB_FILENAME)

    def resume() -> None:
        session = Session.open(settings, resume=LONG_ID)
        [m.to_provider() for m in session.history()]

    def raw() -> None:
        connection = sqlite3.connect(path)
        connection.execute("SELECT * FROM messages WHERE session_id = ? ORDER BY seq", [LONG_ID]).fetchall()
        connection.close()

    ours, base = time_interleaved(resume, raw, repeat)
    measured, floor = median(ours), median(base)
    return Figure("resume the 10,000-message session among 1,000,000 messages, ready to send", measured, floor, "≤ 3× floor",
                  met=measured <= 3 * floor)


def size_figure(path: Path) -> Figure:
    per_thousand = path.stat().st_size / (MESSAGES / 1000) / 1000
    return Figure("data file per 1,000 messages (average 140 characters; search index included)", per_thousand, None, "—", unit="kB")


def figures(quick: bool = False) -> list[Figure]:
    path = HOME / DB_FILENAME
    if not path.exists():
        print(f"building {MESSAGES:,} messages in {SESSIONS:,} sessions …", file=sys.stderr)
        print(f"built in {build(path):.0f} s", file=sys.stderr)
    settings = Settings(home=HOME, model="offline", memory={"recall": False, "consolidate": False})
    repeat = 5 if quick else 15
    return [list_figure(settings, repeat * 4), search_figure(settings, repeat * 8), resume_figure(settings, repeat), size_figure(path)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(table(figures(quick=args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
