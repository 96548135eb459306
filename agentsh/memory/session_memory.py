"""A session's memory: recall before each turn (fast read path), compaction, and
consolidation in the background (slow write path).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from ..config import Settings
from ..events import Compaction, Event, MemoryRecall, Notice, RecalledMemory
from ..messages import Message, system
from ..models.base import ModelClient
from ..models.context import BUILTIN, context_window
from ..models.litellm import is_loaded
from ..store.records import SessionRecord
from ..store.sessions import SessionStore
from .background import background_turn
from .compaction import SUMMARY_BLOCK, Compactor, estimate_tokens, inert, summary_block
from .consolidate import ConsolidationResult, consolidate_session
from .store import MemoryRecord, MemoryStore

SWEEP_LIMIT = 5  # ended sessions consolidated per start
RECALL_TEXT = 16_000  # characters of the user's message whose words look up memories


def memory_block(memories: list[MemoryRecord]) -> str:
    lines = "\n".join(f"- [{m.id}] {inert(m.text)}" for m in memories)
    return (
        "<long-term-memory>\nWhat you know from earlier sessions (it may be out of date: the user's latest word wins). "
        f"Use it when it is relevant; do not mention it otherwise.\n{lines}\n</long-term-memory>"
    )


def pinned_notice(memories: list[MemoryRecord]) -> str | None:
    """At start: what is put before every answer, so a pin nobody meant to make is seen."""
    if not memories:
        return None
    listed = "; ".join(f"#{m.id} {inert(m.text)}" for m in memories)
    return f"pinned memories, given to the model before every answer (/memory unpin ID): {listed}"


class SessionMemory:
    def __init__(
        self, settings: Settings, sessions: SessionStore, session_id: str,
        memory_model: Callable[[], ModelClient], model_for: Callable[[str], ModelClient],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.store = MemoryStore(sessions.db)
        self.session_id = session_id
        self.memory_model = memory_model  # the model that consolidates this session
        self.model_for = model_for  # ... and another session, given that session's model name
        covers, summary = sessions.latest_compaction(session_id) or (0, None)
        self.compactor = Compactor(sessions, session_id, settings.context, covers=covers, summary=summary)
        self.on_event: Callable[[Event], None] = lambda event: None  # background results, for the UIs
        self.failures = 0  # background consolidations that failed (an exception): a start's sweep stops at the first
        self.lock = asyncio.Lock()  # a turn and /compact never change the context at the same time
        self._tasks: set[asyncio.Task] = set()
        self._idle: asyncio.Task | None = None
        self._consolidation: asyncio.Task | None = None
        self._next_consolidation = 0  # finished-turn count before which every-N consolidation waits
        # stored message index -> (recall block, memory ids) attached to that user message in this process's requests
        self._recall_blocks: dict[int, tuple[str, set[int]]] = {}

    def startup_notices(self) -> list[str]:
        notice = pinned_notice(self.store.list(limit=100, pinned_only=True))
        return [notice] if notice else []

    # the read path: every turn ----------------------------------------------

    def context(self, history: list[Message]) -> list[Message]:
        """What the model sees of the stored conversation: the messages after the latest compaction."""
        return history[min(self.compactor.covers, len(history)) :]

    async def prepare(self, turn, model_name: str, stored: list[Message]) -> None:
        """Before the mode runs (holding `lock`): the stored context after the system prompt, the compaction
        summary in the system prompt, recalled memories after this turn's message; compact if too long."""
        first = min(self.compactor.covers, len(stored))
        turn.history[1:1] = stored[first:]
        for index, message in enumerate(stored[first:], start=first):
            if index in self._recall_blocks:
                turn.attachments[id(message)] = self._recall_blocks[index][0]
        turn.compactor = self.compactor
        if self.compactor.summary:
            turn.background[SUMMARY_BLOCK] = summary_block(self.compactor.summary)
        self._recall(turn, len(stored), first)
        self.compactor.window = await _window(model_name)
        tools = turn.offered_tools(turn.history).schemas
        if self.compactor.too_long(turn.history, tools):
            await self.compactor.compact(turn, reserved=estimate_tokens([], tools))

    def _recall(self, turn, index: int, first: int) -> None:
        """Memories for this turn's message (stored at `index`), attached to it: those not already attached to a
        message the model still sees (from `first` on), so that earlier messages keep their bytes turn after turn."""
        if not self.settings.memory.recall:
            return
        # a paste's head says what it is about; collecting the words of a whole megabyte takes seconds
        recalled = self.store.recall(turn.user_text[:RECALL_TEXT], self.settings.memory.recall_limit)
        seen = {m for i, (_, ids) in self._recall_blocks.items() if i >= first for m in ids}
        new = [m for m in recalled if m.id not in seen]
        if new:
            block = memory_block(new)
            self._recall_blocks[index] = (block, {m.id for m in new})
            turn.attachments[id(turn.history[-1])] = turn.recalled = block
        if recalled:
            turn.emit(MemoryRecall(memories=[RecalledMemory(id=m.id, text=m.text, kind=m.kind, pinned=m.pinned) for m in recalled]))

    async def compact_now(self, history: list[Message], model: ModelClient) -> Compaction | None:
        """/compact: summarise all but the latest exchange, outside a turn."""
        events: list[Event] = []
        turn = background_turn(model, self.session_id, events)
        async with self.lock:
            turn.history = [system(self.settings.system_prompt), *self.context(history)]
            self.compactor.window = await _window(model.name)
            compaction = await self.compactor.compact(turn, keep_tokens=1)
        self.sessions.add_usage(self.session_id, turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.cost, model.name, turn.model_calls)
        if compaction is not None:
            self.sessions.add_event(self.session_id, "compaction", compaction.model_dump(mode="json"))
        return compaction

    # the write path: in the background ---------------------------------------

    def after_turn(self, record: SessionRecord) -> None:
        """Consolidate every N turns, and when the session then stays idle. `record`: the session as just saved."""
        if not self._consolidating:
            return
        finished = self.sessions.finished_turns(self.session_id)
        every = self.settings.memory.consolidate_every
        due = finished - record.consolidated_turns >= every
        running = self._consolidation is not None and not self._consolidation.done()
        if due and not running and finished >= self._next_consolidation:
            self._next_consolidation = finished + every  # a failed run is retried N turns later, not every turn
            self._consolidation = self._spawn(self.consolidate(self.session_id))
        if self._idle is not None:
            self._idle.cancel()
        self._idle = self._spawn(self._consolidate_when_idle())

    def start_background(self) -> None:
        """At start (interactive UIs): consolidate sessions that ended without it, in the background."""
        if self._consolidating:
            self._spawn(self._sweep())

    @property
    def _consolidating(self) -> bool:
        return self.settings.memory.consolidate

    async def consolidate(self, session_id: str, model_name: str | None = None) -> ConsolidationResult | None:
        """Consolidate one session now (with the model named, else this session's); failures become a notice."""
        try:
            model = self.model_for(model_name) if model_name else self.memory_model()
            result = await consolidate_session(self.sessions, self.store, model, session_id)
        except Exception as error:  # a background job must never break the chat: report it
            self.on_event(Notice(message=f"memory consolidation of session {session_id} failed: {error}", level="warning"))
            self.failures += 1
            return None
        if result is not None and not result.answered:
            self.on_event(Notice(message=f"memory consolidation of session {session_id}: the model gave no valid answer; "
                                         "nothing learned (asked again after the session's next turn)", level="warning"))
        elif result is not None and result.added:
            plural = "s" if result.added != 1 else ""
            self.on_event(Notice(message=f"learned {result.added} fact{plural} from session {session_id} (agentsh memory list)"))
        return result

    async def _consolidate_when_idle(self) -> None:
        await asyncio.sleep(self.settings.memory.idle_seconds)
        await self.consolidate(self.session_id)

    async def _sweep(self) -> None:
        """Each ended session is read by its own model (or `[memory] model`), not the current session's."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.memory.idle_seconds)
        try:
            ended = self.sessions.unconsolidated(cutoff.isoformat(timespec="milliseconds"), SWEEP_LIMIT, retry_unanswered=False)
        except Exception as error:  # a damaged store is reported by the chat itself; the sweep just stops
            self.on_event(Notice(message=f"memory consolidation skipped: {error}", level="warning"))
            return
        for record in ended:
            if record.id != self.session_id:
                failures = self.failures
                await self.consolidate(record.id, record.model)
                if self.failures > failures:  # most likely the same key or server for the rest: said once is enough
                    return

    def _spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Stop background work (it resumes at the next start: nothing is lost)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _window(model_name: str) -> int | None:
    if model_name in BUILTIN or is_loaded():  # no litellm import to wait for: a thread hop would cost more
        return context_window(model_name)
    return await asyncio.to_thread(context_window, model_name)
