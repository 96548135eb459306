"""/stats: what this session and today have used and cost, with bar charts and sparklines. Esc closes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...stats.render import rich_report

if TYPE_CHECKING:
    from ...stats.report import StatsReport


class StatsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "close"), Binding("q", "dismiss", show=False)]
    DEFAULT_CSS = """
    StatsScreen { align: center middle; }
    StatsScreen > VerticalScroll { width: 100%; max-width: 130; height: auto; max-height: 100%; border: round $accent;
                                   padding: 0 1; background: $surface; }
    StatsScreen .stats-report { margin: 0 0 1 0; }
    StatsScreen .stats-hint { color: $text-muted; }
    """

    def __init__(self, reports: tuple[StatsReport, StatsReport]) -> None:
        super().__init__()
        self.reports = reports

    def compose(self) -> ComposeResult:
        width = min(self.app.size.width, 130) - 4
        with VerticalScroll():
            for index, report in enumerate(self.reports):
                yield Static(rich_report(report, width), classes="stats-report", id=f"stats-{index}")
            yield Static("Esc closes · `agentsh stats --since 90d --group-by week,model` for any range", classes="stats-hint", markup=False)
