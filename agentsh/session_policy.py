"""What the UIs ask of a session besides a turn: listings, memory, plugins, export, background events.

`Session` inherits these, so a UI calls `session.recent_sessions(20)` and never reaches into the
session's store, plugin loader, memory or tool registry (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .events import Event
    from .instructions import Instructions
    from .memory.session_memory import SessionMemory
    from .memory.store import MemoryRecord
    from .messages import Message
    from .plugin_loader.loader import PluginChange, PluginLoader, PluginStatus
    from .store.records import SessionRecord
    from .store.search import SearchHit
    from .store.sessions import SessionStore
    from .tools.registry import ToolRegistry
    from .tools.tool import Tool

Listener = Callable[["Event"], None]


@dataclass(frozen=True)
class ContextPart:
    """One part of what a request to the model is made of, for /context."""

    name: str
    tokens: int
    detail: str = ""


def visible_positions(history: list[Message]) -> list[int]:
    """Where the user's messages and the answers with text are in `history`."""
    return [i for i, m in enumerate(history) if m.role == "user" or (m.role == "assistant" and m.content.strip())]


class SessionPolicy:
    settings: Settings
    record: SessionRecord
    instructions: Instructions
    store: SessionStore
    loader: PluginLoader
    memory: SessionMemory
    registry: ToolRegistry
    _listeners: list[Listener]

    @property
    def id(self) -> str:
        raise NotImplementedError

    @property
    def persisted(self) -> bool:
        raise NotImplementedError

    def history(self) -> list[Message]:
        raise NotImplementedError

    def how_to_continue(self, plain: bool = False) -> str | None:
        """What to type to come back to this session (with the REPL's flag when `plain`); None when it was never written."""
        if not self.persisted:
            return None
        from pathlib import Path

        from .store.records import workspace_of

        app = "agentsh --plain" if plain else "agentsh"
        here = self.record.workspace == workspace_of(Path.cwd())
        latest_here = f"{app} -c (the latest session started here) or " if here else ""
        return f"session {self.id} saved · continue it with: {latest_here}{app} --resume {self.id}"

    def system_prompt(self) -> str:
        """The first message of every request: the configured system prompt, then the project instructions.
        The same on every turn of the session, so that providers can cache every request's beginning."""
        block = self.instructions.block()
        return f"{self.settings.system_prompt}\n\n{block}" if block else self.settings.system_prompt

    def context_parts(self) -> list[ContextPart]:
        """/context: what the next request is made of, in the order it is sent, with estimated tokens."""
        from .memory.compaction import summary_block
        from .models.base import estimate_tokens

        parts = [ContextPart("system prompt", _tokens(self.settings.system_prompt), "the configured one (system_prompt)")]
        parts += [ContextPart(f.path.name, f.tokens, f"{f.path} ({f.status if f.used else 'ignored: ' + f.status})") for f in self.instructions.files]
        tools = self.tools()
        parts.append(ContextPart("tool schemas", estimate_tokens([], [t.schema() for t in tools]), f"{len(tools)} tools"))
        compactor = self.memory.compactor
        if compactor.summary:
            parts.append(ContextPart("summary of compacted turns", _tokens(summary_block(compactor.summary)), f"{compactor.covers} messages"))
        history = self.memory.context(self.history())
        parts.append(ContextPart("conversation", estimate_tokens(history), f"{len(history)} messages"))
        pinned = self.memory.store.list(limit=100, pinned_only=True)
        if pinned:
            parts.append(ContextPart("pinned memories", sum(_tokens(m.text) for m in pinned), f"{len(pinned)}, recalled with your messages"))
        return parts

    def close_store(self) -> None:
        """At a clean exit, after `aclose`: the store is checkpointed and closed (no `-wal` file left behind).
        The sessions that share it cannot be used after this."""
        self.store.close()

    def notice_level(self, notice: str) -> Literal["info", "warning"]:
        """How one of `notices` is shown: what was loaded is information; the rest asks for attention."""
        return "info" if notice == self.instructions.loaded_notice() else "warning"

    def context_fill(self) -> int:
        """About how many tokens the next request fills of the model's context (the /context estimate)."""
        return sum(part.tokens for part in self.context_parts())

    def context_window(self) -> int | None:
        """How many tokens the session's model can read; None when unknown. Blocking: may import litellm."""
        from .models.context import context_window

        return context_window(self.record.model)

    # background events ----------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """`listener` gets what background work reports outside any turn (memory consolidation: facts learned, failures)."""
        self._listeners.append(listener)

    def _background_event(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    # sessions in the store ------------------------------------------------------

    def recent_sessions(self, limit: int, here: bool = False) -> list[SessionRecord]:
        """Stored sessions, the most recently used first, one-shot `agentsh run` ones after the interactive ones;
        with `here`, only those started in the current folder."""
        from pathlib import Path

        from .store.records import workspace_of

        return self.store.list(limit, workspace_of(Path.cwd()) if here else None, interactive_first=True)

    def find_session(self, id_or_prefix: str) -> SessionRecord:
        return self.store.get(id_or_prefix)

    def search_messages(self, query: str, limit: int) -> list[SearchHit]:
        """Full-text search over every stored message of every session."""
        from .store.search import search_messages

        return search_messages(self.store.db, query, limit)

    def recent_messages(self, limit: int) -> list[Message]:
        """This session's newest stored messages, oldest first (all of them: `history()`)."""
        return self.store.recent_messages(self.id, limit) if self.persisted else []

    def answer_was_cut(self) -> bool:
        """Whether this session's last answer stopped at the model's token cap (/continue goes on with it)."""
        last = self.recent_messages(1)
        return bool(last) and last[-1].role == "assistant" and last[-1].cut

    def fork(self, at: int | None = None) -> SessionRecord:
        """A new stored session with this one's first `at` visible messages (all by default; tool calls and
        their results are not counted, and go with the message they belong to), its mode and model."""
        if at is None:
            return self.store.fork(self.id, None)
        visible = visible_positions(self.history())
        if not 0 <= at <= len(visible):
            raise UsageError(f"this session has {len(visible)} messages to fork at: give a number from 0 to {len(visible)} (/fork list shows them)")
        return self.store.fork(self.id, visible[at - 1] + 1 if at else 0)

    def visible_messages(self) -> list[Message]:
        """The messages a user sees in the transcript, in order: theirs and the answers (not tool calls and results)."""
        history = self.history()
        return [history[index] for index in visible_positions(history)]

    def export(self, kind: str) -> str:
        """This session as Markdown (`md`) or JSON (`json`)."""
        from .store.transfer import export_text

        return export_text(self.store, self.id, kind)

    # tools and plugins ----------------------------------------------------------

    def tools(self) -> list[Tool]:
        """The tools the model can call now (plugin files re-read first)."""
        self.loader.refresh()
        return list(self.registry)

    def plugin_statuses(self) -> list[PluginStatus]:
        """Each plugin file (and built-in tool source) with its tools or its error, after re-reading the files."""
        self.loader.refresh()
        return self.loader.statuses()

    def plugin_changes(self) -> list[PluginChange]:
        """What changed in the plugin files since the last look, and name clashes not reported yet."""
        return self.loader.news()

    # long-term memory -----------------------------------------------------------

    def memories(self, words: str | None = None, limit: int = 50) -> list[MemoryRecord]:
        """Long-term memories: the newest, or those matching `words`."""
        store = self.memory.store
        return store.list(limit) if words is None else store.search(words, limit)

    def remember(self, text: str) -> tuple[MemoryRecord, bool]:
        """Add a memory from this session; False when it was already known."""
        return self.memory.store.add(text, source_session_id=self.id)

    def forget(self, *memory_ids: str) -> list[MemoryRecord]:
        return self.memory.store.forget(*memory_ids)

    def pin_memory(self, memory_id: str, pinned: bool = True) -> MemoryRecord:
        """A pinned memory is recalled before every answer."""
        return self.memory.store.set_pinned(memory_id, pinned)


def _tokens(text: str) -> int:
    from .models.base import CHARS_PER_TOKEN

    return len(text) // CHARS_PER_TOKEN
