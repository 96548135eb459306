"""A modal that no key answers until the keyboard has been quiet for ARMING_DELAY after it opens.

The approval question and a tool server's questions share it: keys typed before (or right as) the
modal opened were meant for the input, so they go back there — a sentence typed through a slow turn
stays whole and never answers, fills in or sends anything. A key that the armed modal does not take
means the user is still typing: it goes back too, and the wait starts again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual import events
from textual.screen import ModalScreen
from textual.widgets import Static

ARMING_DELAY = 0.6  # seconds: long enough to stop typing, short enough not to annoy
WAITING_HINT = Text("(still typing? keys go to your message)", "dim")

Answer = TypeVar("Answer")


class ArmedModal(ModalScreen[Answer]):
    ANSWER_KEYS: frozenset[str] = frozenset()
    HINT_ID = "question-hint"  # the Static that says whether keys answer yet

    def __init__(self, hand_back: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.hand_back = hand_back
        self.quiet_since = time.monotonic()

    @property
    def armed(self) -> bool:
        return time.monotonic() - self.quiet_since >= ARMING_DELAY

    def on_mount(self) -> None:
        self.quiet_since = time.monotonic()
        self.set_interval(0.1, self._show_armed)

    def _show_armed(self) -> None:
        self.query_one(f"#{self.HINT_ID}", Static).update(self.armed_hint() if self.armed else WAITING_HINT)

    def armed_hint(self) -> Text:
        raise NotImplementedError

    async def on_key(self, event: events.Key) -> None:
        if self.armed and self.takes(event):
            return
        self.quiet_since = time.monotonic()
        event.stop()
        event.prevent_default()
        if self.hand_back is not None and (event.is_printable or event.key == "space") and event.character:
            self.hand_back(event.character)

    def takes(self, event: events.Key) -> bool:
        """Whether an armed modal lets this key through to its widgets (and bindings)."""
        return event.key in self.ANSWER_KEYS
