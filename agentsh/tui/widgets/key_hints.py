"""The key hints under the input: what the keys do where the focus is, the least needed dropped first
when the terminal is narrow (quitting and cancelling are the last to go)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.events import Resize
from textual.widgets import Static


@dataclass(frozen=True)
class Hint:
    key: str
    label: str
    rank: int  # 0 is the last to go


IN_INPUT = (
    Hint("⏎", "send", 2), Hint("esc", "cancel", 0), Hint("^q", "quit", 1), Hint("pgup/pgdn", "scroll", 4),
    Hint("^t", "tool output", 5), Hint("shift+tab", "blocks", 6), Hint("^s", "sessions", 3), Hint("^o", "copy", 7),
    Hint("^p", "palette", 8), Hint("^j", "new line", 9),
)
IN_TRANSCRIPT = (
    Hint("⏎", "expand/collapse", 0), Hint("tab", "next", 2), Hint("shift+tab", "previous", 3),
    Hint("esc", "back to the input", 1), Hint("typing", "goes to the input", 4),
)
GAP = "  "


def hints_text(hints: tuple[Hint, ...], width: int | None) -> Text:
    """The hints in their order, leaving out the highest ranks until they fit `width` cells."""
    kept = list(hints)
    while width is not None and len(kept) > 1 and cell_len(_plain(kept)) > width:
        kept.remove(max(kept, key=lambda hint: hint.rank))
    line = Text(" ")
    for index, hint in enumerate(kept):
        line.append(GAP if index else "")
        line.append(hint.key, style="bold")
        line.append(f" {hint.label}")
    return line


def _plain(hints: list[Hint]) -> str:
    return " " + GAP.join(f"{hint.key} {hint.label}" for hint in hints)


class KeyHints(Static):
    def __init__(self) -> None:
        super().__init__(id="key-hints")
        self.hints: tuple[Hint, ...] = IN_INPUT

    def show_for(self, hints: tuple[Hint, ...]) -> None:
        self.hints = hints
        self._draw()

    def on_resize(self, event: Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        self.update(hints_text(self.hints, self.size.width or None))
