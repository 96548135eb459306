"""Full-text search over every message of every session (FTS5, ranked by bm25)."""

from __future__ import annotations

import re
import sqlite3

from pydantic import BaseModel
from sqlite_utils import Database

from ..errors import UsageError

HIGHLIGHT_START, HIGHLIGHT_END = "«", "»"

SEARCH_SQL = """
SELECT m.session_id, s.title, m.seq, m.role,
       snippet(messages_fts, 0, ?, ?, '…', 12) AS snippet,
       bm25(messages_fts) AS rank
FROM messages_fts
JOIN messages m ON m.rowid = messages_fts.rowid
JOIN sessions s ON s.id = m.session_id
WHERE messages_fts MATCH ?
ORDER BY rank
LIMIT ?
"""


class SearchHit(BaseModel):
    session_id: str
    title: str | None
    seq: int
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
        rows = db.query(SEARCH_SQL, [HIGHLIGHT_START, HIGHLIGHT_END, fts_query(text), limit])
        return [SearchHit.model_validate(r) for r in rows]
    except sqlite3.OperationalError as error:
        raise UsageError(f"cannot search for {text!r}: {error}") from None
