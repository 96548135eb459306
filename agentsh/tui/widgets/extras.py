"""Blocks for what a turn used or changed besides the answer: recalled memories, compaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.content import Content
from textual.widgets import Collapsible, Static

from ..literal import literal

if TYPE_CHECKING:
    from ...events import Compaction, MemoryRecall


def memory_lines(event: MemoryRecall) -> Text:
    lines = [literal(f"{'📌 ' if m.pinned else ''}#{m.id} [{m.kind}] {m.text}") for m in event.memories]
    return Text("\n").join(lines)


class MemoryBlock(Collapsible):
    """The long-term memories put in front of the model for this turn."""

    def __init__(self, event: MemoryRecall) -> None:
        count = len(event.memories)
        title = Content(f"🧠 recalled {count} memor{'y' if count == 1 else 'ies'}")
        # Collapsible takes Content (shown as is, never parsed as markup); textual annotates `title` as str
        super().__init__(Static(memory_lines(event)), title=title, collapsed=True, classes="memory")  # type: ignore[arg-type]
        self.event = event


class CompactionBlock(Collapsible):
    """The oldest turns were summarised: how much, and the summary that now stands for them."""

    def __init__(self, event: Compaction) -> None:
        title = Content(
            f"⟲ compacted {event.messages} messages: {event.tokens_before:,} → {event.tokens_after:,} tokens"
        )
        # Collapsible takes Content (shown as is, never parsed as markup); textual annotates `title` as str
        super().__init__(Static(literal(event.summary)), title=title, collapsed=True, classes="compaction")  # type: ignore[arg-type]
        self.event = event
