"""How common a word is among the memories, so recall can skip words that match most of them.

Ranking every match is what makes an FTS5 query slow: a word found in a third of 100,000
memories costs tens of milliseconds to rank and says little about relevance. The counts
come from an fts5vocab table and are cached; they change slowly, and a stale count only
shifts which words are left out.
"""

from __future__ import annotations

import time

from sqlite_utils import Database

from .query import stem_candidates

COMMON_SHARE = 0.02  # a word in more than this share of the memories is too common to rank by
MIN_COMMON = 200  # below this many matches ranking is cheap whatever the share
CACHE_SECONDS = 60.0


class TermStats:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._counts: dict[str, int] = {}
        self._total = 0
        self._fresh_until = 0.0

    def rare_enough(self, words: list[str]) -> list[str]:
        """`words` without the too-common ones (when every word is common, none: no memory stands out)."""
        counts = {w: self.documents(w) for w in words}
        limit = max(MIN_COMMON, COMMON_SHARE * self._total)
        return [w for w in words if counts[w] <= limit]

    def documents(self, word: str) -> int:
        """How many memories contain `word` (under any of the forms the stemmer may give it)."""
        self._expire()
        if word not in self._counts:
            forms = stem_candidates(word)
            marks = ",".join("?" * len(forms))
            rows = self.db.execute(f"SELECT max(doc) FROM memories_vocab WHERE term IN ({marks})", forms).fetchone()
            self._counts[word] = rows[0] or 0
        return self._counts[word]

    def _expire(self) -> None:
        if time.monotonic() >= self._fresh_until:
            self._counts.clear()
            self._total = self.db.execute("SELECT count(*) FROM memories").fetchone()[0]
            self._fresh_until = time.monotonic() + CACHE_SECONDS
