"""/compare's result in the transcript: the side-by-side table, then each answer whole, folded until opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Static

from ...compare import comparison_notes, comparison_table
from ...terminal import neutralize

if TYPE_CHECKING:
    from ...compare import Comparison


class ComparisonView(Vertical):
    DEFAULT_CSS = "ComparisonView { height: auto; } ComparisonView Collapsible { padding: 0; }"

    def __init__(self, comparison: Comparison) -> None:
        super().__init__(classes="comparison")
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        yield Static(comparison_table(self.comparison), classes="comparison-table")
        for entry in self.comparison.entries:
            answer = entry.output or entry.error or "(no answer)"
            # the session id is in the table above: a title one line long at 50 columns, never an id cut at the edge
            with Collapsible(title=f"{entry.label}: the whole answer", collapsed=True):
                yield Static(Text(neutralize(answer)), classes="comparison-answer")
        yield Static(Text("\n".join(comparison_notes(self.comparison))), classes="comparison-notes")
