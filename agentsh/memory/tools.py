"""The memory tools every tool-using mode offers: remember, recall, forget, search_sessions.

They are async so they run on the event loop's thread, next to the session's database
connection (sync tools run in worker threads).

Memory outlives the session, so it is a way for text injected into one conversation to reach
the next. What would change every later answer — pinning a memory (it goes before every answer)
or forgetting one — waits for the user's approval, each time; a plain `remember` does not, but
the user is told what was remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from ..events import Event, Notice
from ..models.choices import listed
from ..store.search import search_messages
from ..tools.tool import Tool, make_tool
from .store import KINDS, MemoryStore
from .summaries import search_summaries

SOURCE = "agentsh (memory)"
# Listed in the tool's schema; the store checks it (and says which kinds exist) after a lenient clean-up ("Fact").
MemoryKind = Annotated[str, Field(json_schema_extra=listed(KINDS))]


def _pinning(arguments: dict[str, Any]) -> bool:
    return bool(arguments.get("pinned"))


def _only_once(arguments: dict[str, Any]) -> None:
    """"Always" is never offered: each pin or deletion is judged on its own."""
    return None


def memory_tools(memories: MemoryStore, session_id: Callable[[], str], notify: Callable[[Event], None] = lambda event: None) -> list[Tool]:
    async def remember(text: str, kind: MemoryKind = "fact", tags: list[str] | None = None, importance: int = 3, pinned: bool = False) -> str:
        """Store a durable fact or preference in long-term memory, for this and future sessions.

        Use it when the user asks you to remember something, or states a lasting preference or decision.

        Args:
            text: one self-contained statement, e.g. "The user's favourite colour is teal".
            kind: one of fact, preference, instruction, decision, person, project.
            tags: a few lower-case keywords.
            importance: 1 (trivia) to 5 (essential).
            pinned: true to put it before every answer, whatever the topic.
        """
        record, created = memories.add(text, kind, tags or [], importance, pinned, session_id())
        if not created:
            return f"already known as memory {record.id}: {record.text}"
        notify(Notice(message=f"remembered{' and pinned' if record.pinned else ''} memory {record.id}: {record.text} (/memory forget {record.id} removes it)"))
        return f"remembered as memory {record.id}"

    async def recall(query: str, limit: int = 5) -> str:
        """Search long-term memory for facts relevant to a query.

        Args:
            query: words to look for.
            limit: the most memories to return.
        """
        found = memories.search(query, limit=max(1, min(limit, 50)))
        return "\n".join(f"[{m.id}] {m.text}" for m in found) or "no matching memories"

    async def forget(id: int) -> str:
        """Delete a memory that is wrong or that the user wants forgotten.

        Args:
            id: the memory's number, as shown by recall.
        """
        [record] = memories.forget(id)
        return f"forgot memory {record.id}: {record.text}"

    async def search_sessions(query: str, limit: int = 5) -> str:
        """Search past sessions (their summaries and messages), e.g. for what was decided about something.

        Args:
            query: words to look for.
            limit: the most results of each kind to return.
        """
        limit = max(1, min(limit, 20))
        summaries = [f"session {s.id} ({s.updated_at[:10]}) {s.title or ''}: {s.summary}" for s in search_summaries(memories.db, query, limit)]
        hits = [f"session {h.session_id} message {h.seq} ({h.role}): {h.snippet}" for h in search_messages(memories.db, query, limit)]
        return "\n".join(summaries + hits) or "nothing found in past sessions"

    return [
        _made(remember, requires_approval=_pinning, approval_scope=_only_once),
        _made(recall),
        _made(forget, requires_approval=True, approval_scope=_only_once),
        _made(search_sessions),
    ]


# Each session has its own functions (bound to its store and id), but their schemas never change: built once a process.
_BUILT: dict[str, Tool] = {}


def _made(function: Callable[..., Any], **options: Any) -> Tool:
    built = _BUILT.get(function.__name__)
    if built is None:
        built = _BUILT.setdefault(function.__name__, make_tool(function, **options))
        built.source = SOURCE
    return built.running(function)

