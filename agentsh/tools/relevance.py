"""Lexical relevance of tools to a text: BM25 over each tool's name, description and parameters.

Deterministic and fast (an index of 500 tools builds in milliseconds and is reused while the tool
set stays the same): it decides which tools a request carries when there are more than fit, and
what `find_tools` returns.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .tool import Tool

NAME_WEIGHT = 3.0  # a word in the tool's name says more than one in its description
PARAMETER_WEIGHT = 0.5
K1, B = 1.2, 0.75  # BM25's usual constants
MAX_TEXT = 4000  # characters of one text that are scored: a pasted file must not make scoring slow

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be by can do does for from get has have how i in into is it its me my of on or please "
    "set that the then this to use using was what when where which will with you your".split()
)


def words(text: str) -> list[str]:
    """The words of `text` as they are matched: camelCase and snake_case split, lower case, plural-free, no stopwords."""
    spaced = _CAMEL.sub(r"\1 \2", text[:MAX_TEXT]).lower()
    return [_stem(w) for w in _WORD.findall(spaced) if w not in _STOPWORDS and len(w) > 1]


def _stem(word: str) -> str:
    """A crude, predictable stemmer: enough that "files" finds "file" and "listing" finds "list"."""
    for suffix, replacement, shortest in (("ies", "y", 5), ("ing", "", 7), ("s", "", 4)):
        if word.endswith(suffix) and len(word) >= shortest and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + replacement
    return word


def tool_terms(item: Tool) -> dict[str, float]:
    """The weighted words of a tool: its name, its description, its parameters' names and descriptions."""
    terms: dict[str, float] = {}
    for text, weight in (
        (item.name.replace("__", " "), NAME_WEIGHT), (item.description, 1.0), (" ".join(_parameter_texts(item.parameters)), PARAMETER_WEIGHT),
    ):
        for word in words(text):
            terms[word] = terms.get(word, 0.0) + weight
    return terms


def _parameter_texts(schema: Any) -> Iterable[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return
    for name, spec in properties.items():
        yield str(name)
        if isinstance(spec, dict) and isinstance(spec.get("description"), str):
            yield spec["description"]


@dataclass
class RelevanceIndex:
    """BM25 scores of a fixed set of tools against a weighted query."""

    documents: dict[str, dict[str, float]]
    lengths: dict[str, float] = field(init=False)
    idf: dict[str, float] = field(init=False)
    average: float = field(init=False)

    def __post_init__(self) -> None:
        self.lengths = {name: sum(terms.values()) for name, terms in self.documents.items()}
        self.average = (sum(self.lengths.values()) / len(self.lengths)) if self.lengths else 1.0
        frequency: Counter[str] = Counter()
        for terms in self.documents.values():
            frequency.update(terms.keys())
        count = len(self.documents)
        self.idf = {term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}

    @classmethod
    def of(cls, tools: Iterable[Tool]) -> RelevanceIndex:
        return cls({item.name: tool_terms(item) for item in tools})

    def scores(self, query: dict[str, float], among: Iterable[str] | None = None) -> dict[str, float]:
        """Each tool's score (only those above zero) for a query of word → weight."""
        names = self.documents if among is None else [n for n in among if n in self.documents]
        query = {term: weight for term, weight in query.items() if term in self.idf}
        if not query:
            return {}
        found = {name: self._score(name, query) for name in names}
        return {name: score for name, score in found.items() if score > 0}

    def _score(self, name: str, query: dict[str, float]) -> float:
        terms, norm = self.documents[name], K1 * (1 - B + B * self.lengths[name] / self.average)
        total = 0.0
        for term, weight in query.items():
            tf = terms.get(term, 0.0)
            if tf:
                total += weight * self.idf[term] * tf * (K1 + 1) / (tf + norm)
        return total

    def ranked(self, query: dict[str, float], among: Iterable[str] | None = None) -> list[str]:
        """Names of the matching tools, best first; equal scores in name order (the same query, the same answer)."""
        found = self.scores(query, among)
        return sorted(found, key=lambda name: (-found[name], name))


def query_of(texts: Iterable[tuple[str, float]]) -> dict[str, float]:
    """A weighted query from (text, weight) pairs: a word's weight is the largest it has in any of them."""
    query: dict[str, float] = {}
    for text, weight in texts:
        for word in words(text):
            query[word] = max(query.get(word, 0.0), weight)
    return query
