"""Many tools: which of them a request carries, and `find_tools` to search the rest.

With more tools than the cap (`max_tools`, 64 by default) a request carries `find_tools` and the
cap's worth of others, chosen in this order: tools the conversation has called (latest first),
tools `find_tools` found (latest first), tools whose name and description match the user's recent
messages best (relevance.py), then the rest in the order they were added (agentsh's own and the
plugins' first). The same conversation always gets the same tools, listed in name order, so that
the request's bytes stay the same from one step to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..messages import Message
from .registry import ToolRegistry
from .relevance import RelevanceIndex, query_of
from .tool import Tool, make_tool

DEFAULT_MAX_TOOLS = 64
FIND_TOOLS = "find_tools"
RECENT_MESSAGE_WEIGHTS = (1.0, 0.6, 0.3)  # the latest user message counts most
FIND_LIMIT = 10
DESCRIPTION_SHOWN = 200  # characters of a description in find_tools' answer


@dataclass
class Offer:
    """The tools one request carries; `searching` when `find_tools` is among them."""

    names: list[str]
    searching: bool
    total: int  # how many tools there are to choose from


@dataclass
class ToolSelection:
    cap: int = DEFAULT_MAX_TOOLS
    found: list[str] = field(default_factory=list)  # what find_tools found, latest first
    announced: bool = False
    _index: RelevanceIndex | None = None
    _index_key: tuple = ()

    def offer(self, registry: ToolRegistry, messages: list[Message], allowed: Iterable[str] | None = None) -> Offer:
        """The tools for a request with `messages`: all of them when they fit under the cap."""
        candidates = _candidates(registry, allowed)
        if len(candidates) <= self.cap:
            return Offer(sorted(candidates), False, len(candidates))
        candidates = [name for name in candidates if name != FIND_TOOLS]  # a plugin's own find_tools gives way
        chosen = _first_unique(
            self._pinned(_called(messages), candidates, self.cap // 4),
            self._pinned(self.found, candidates, self.cap // 2),
            self.index(registry).ranked(_recent_query(messages), candidates),
            candidates,
        )
        return Offer(sorted(chosen[: self.cap - 1]), True, len(candidates))

    def over_cap(self, registry: ToolRegistry, allowed: Iterable[str] | None = None) -> bool:
        return len(_candidates(registry, allowed)) > self.cap

    def notice(self, offer: Offer) -> str | None:
        """What to tell the user the first time a request carries only some of the tools."""
        if not offer.searching or self.announced:
            return None
        self.announced = True
        return (
            f"{offer.total} tools are available: each request carries the {len(offer.names)} most relevant and "
            f"{FIND_TOOLS}, which searches the rest (max_tools = {self.cap} in config.toml)"
        )

    def index(self, registry: ToolRegistry) -> RelevanceIndex:
        """The relevance index of the registry's tools, built again only when they changed."""
        key = tuple((item.name, id(item)) for item in registry)
        if self._index is None or key != self._index_key:
            self._index, self._index_key = RelevanceIndex.of(registry), key
        return self._index

    def find(self, registry: ToolRegistry, query: str, limit: int, allowed: Iterable[str] | None = None) -> list[Tool]:
        """The tools that best match `query`, remembered so that the next requests carry them."""
        among = [name for name in _candidates(registry, allowed) if name != FIND_TOOLS]
        names = self.index(registry).ranked(query_of([(query, 1.0)]), among)[:limit]
        self.found = _first_unique(names, self.found)[: max(1, self.cap // 2)]
        return [item for name in names if (item := registry.get(name)) is not None]

    def finder(self, registry: ToolRegistry, allowed: Iterable[str] | None = None) -> Tool:
        """The `find_tools` tool, searching `registry` (only the `allowed` names, when given)."""
        allowed = None if allowed is None else list(allowed)

        async def find_tools(query: str, limit: int = FIND_LIMIT) -> str:
            """Search all available tools by what they do. The tools found can be called from your next step on.

            Args:
                query: words for the task or the tool, e.g. "create issue", "convert timezone", "read pdf"
                limit: at most this many tools (1 to 20)
            """
            found = self.find(registry, query, max(1, min(limit, 20)), allowed)
            return describe_found(found, query, len(_candidates(registry, allowed)))

        return make_tool(find_tools, name=FIND_TOOLS)

    def _pinned(self, names: Iterable[str], candidates: list[str], limit: int) -> list[str]:
        present = set(candidates)
        return [name for name in names if name in present][:limit]


def describe_found(found: list[Tool], query: str, total: int) -> str:
    if not found:
        return f"No tool matches {query!r} among {total} tools. Try other words: what the tool does, or its server's name."
    lines = [f"{len(found)} of {total} tools match {query!r}; you can call them from your next step on:"]
    lines += [f"- {item.name}: {_one_line(item.description)}" for item in found]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= DESCRIPTION_SHOWN else flat[: DESCRIPTION_SHOWN - 1] + "…"


def _candidates(registry: ToolRegistry, allowed: Iterable[str] | None) -> list[str]:
    """The tools to choose from, in the order they were added."""
    names = registry.added_order()
    if allowed is None:
        return names
    permitted = set(allowed)
    return [name for name in names if name in permitted]


def _called(messages: list[Message]) -> list[str]:
    """The tools the conversation has called, latest first."""
    return [call.name for message in reversed(messages) for call in reversed(message.tool_calls)]


def _recent_query(messages: list[Message]) -> dict[str, float]:
    recent = [m.content for m in reversed(messages) if m.role == "user"][: len(RECENT_MESSAGE_WEIGHTS)]
    return query_of(zip(recent, RECENT_MESSAGE_WEIGHTS, strict=False))


def _first_unique(*groups: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for name in group:
            seen.setdefault(name, None)
    return list(seen)


def offered_schemas(registry: ToolRegistry, offer: Offer) -> list[dict[str, Any]]:
    """The function schemas of an offer, `find_tools` last."""
    schemas = registry.schemas(offer.names)
    return [*schemas, _finder_schema()] if offer.searching else schemas


@cache
def _finder_schema() -> dict[str, Any]:
    return ToolSelection().finder(ToolRegistry()).schema()
