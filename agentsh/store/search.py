"""Full-text search over every message of every session (FTS5, ranked by bm25)."""

from __future__ import annotations

import re
import sqlite3

from pydantic import BaseModel
from sqlite_utils import Database

from ..errors import UsageError

HIGHLIGHT_START, HIGHLIGHT_END = "«", "»"
# Characters of a message that search indexes (the message is stored and sent whole): FTS5 took about 3 s to index
# a 10 MB prompt of base64, a word of its own every line. `agentsh run` says so when a prompt is longer.
SEARCH_INDEX_LIMIT = 1_000_000

# Ranking runs on the FTS table alone; the winners' rows are fetched afterwards by rowid.
# Joining before the sort (or in a subquery) makes SQLite snippet and join every match.
RANK_SQL = """
SELECT rowid, snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet, bm25(messages_fts) AS rank
FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT ?
"""
ROWS_SQL = """
SELECT m.rowid, m.session_id, s.title, m.seq, m.role
FROM messages m JOIN sessions s ON s.id = m.session_id
WHERE m.rowid IN ({marks})
"""


class SearchHit(BaseModel):
    session_id: str
    title: str | None
    seq: int | None  # None for a match in the session's summary
    role: str
    snippet: str
    rank: float


def fts_query(text: str) -> str:
    """Quote each word, so punctuation in a user's query is never FTS syntax; a trailing * keeps prefix search."""
    words = re.findall(r"[\w'*-]+", text)
    terms = []
    for word in words:
        prefix = word.endswith("*")
        core = word.rstrip("*").replace('"', '""')
        if core:
            terms.append(f'"{core}"' + ("*" if prefix else ""))
    if not terms:
        raise UsageError("the search query has no words to look for")
    return " ".join(terms)


def search_messages(db: Database, text: str, limit: int = 20) -> list[SearchHit]:
    try:
        ranked = db.execute(RANK_SQL, [HIGHLIGHT_START, HIGHLIGHT_END, fts_query(text), limit]).fetchall()
    except sqlite3.OperationalError as error:
        raise UsageError(f"cannot search for {text!r}: {error}") from None
    if not ranked:
        return []
    rows = {r[0]: r for r in db.execute(ROWS_SQL.format(marks=",".join("?" * len(ranked))), [r[0] for r in ranked])}
    return [_hit(rows[rowid], snippet, rank) for rowid, snippet, rank in ranked if rowid in rows]


def _hit(row: tuple, snippet: str, rank: float) -> SearchHit:
    _, session_id, title, seq, role = row
    return SearchHit(session_id=session_id, title=title, seq=seq, role=role, snippet=snippet, rank=rank)
