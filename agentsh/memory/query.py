"""Turn a user's message into an FTS5 query for recall: any of its meaningful words.

Recall runs before every answer, so the query must stay cheap on a large store: common
words match most rows and say little, so they are left out, and so are very long queries.
"""

from __future__ import annotations

import re

MAX_TERMS = 10

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers herself him himself his how i if in into is it its itself just let me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves
    please tell know remember recall thing things something anything get got also like want need us ok okay
    hi hello thanks thank yes sure user users agent assistant
    """.split()
)


def content_words(text: str) -> list[str]:
    """The words of `text` worth looking up, longest first (longer words are usually the rarer ones)."""
    words = dict.fromkeys(re.findall(r"\w+", text.lower()))  # distinct, in order: a 1 MB paste has ~100,000
    terms = [word for word in words if len(word) > 1 and word not in STOPWORDS]
    return sorted(terms, key=len, reverse=True)[:MAX_TERMS]


def match_any(terms: list[str]) -> str:
    """An FTS5 query matching any of `terms`; each is quoted, so no user text is FTS syntax."""
    return " OR ".join(f'"{t}"' for t in terms)


def recall_query(text: str) -> str:
    """`"favourite" OR "colour"` for "what is my favourite colour?"; "" when nothing is worth looking up."""
    return match_any(content_words(text))


def stem_candidates(word: str) -> list[str]:
    """Forms the porter tokenizer may have indexed `word` under (a cheap stand-in for stemming it)."""
    forms = [word]
    for suffix in ("ies", "es", "s", "ing", "ed", "ly", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            forms.append(word[: -len(suffix)])
    return forms + [f + "i" for f in forms if word.endswith(("y", "ies"))]
