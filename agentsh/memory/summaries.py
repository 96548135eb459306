"""Session summaries: a few sentences per session, shown by `sessions list` and searchable."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from ..errors import UsageError
from ..store.records import SessionRecord
from .query import recall_query

SEARCH_SQL = """
SELECT s.* FROM sessions_fts JOIN sessions s ON s.rowid = sessions_fts.rowid
WHERE sessions_fts MATCH ? AND s.summary IS NOT NULL ORDER BY sessions_fts.rank LIMIT ?
"""


def search_summaries(db: Database, text: str, limit: int = 10) -> list[SessionRecord]:
    """Sessions whose title or summary matches any meaningful word of `text`, best first."""
    query = recall_query(text)
    if not query:
        return []
    try:
        return [SessionRecord.from_row(row) for row in db.query(SEARCH_SQL, [query, limit])]
    except sqlite3.OperationalError as error:
        raise UsageError(f"cannot search session summaries for {text!r}: {error}") from None


def extractive_summary(first_user_message: str, limit: int = 200) -> str:
    """A summary without a model (the offline model cannot write one): what the session began with."""
    text = " ".join(first_user_message.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
