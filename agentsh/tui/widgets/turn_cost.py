"""An answer's footer: its model calls, tokens and cost in one line; Enter or a click opens it per step."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Collapsible, Static

from ...costs import TurnCost


def footer_title(cost: TurnCost) -> Content:
    return Content(cost.summary())


def steps_text(cost: TurnCost) -> Content:
    return Content("\n".join(step.line() for step in cost.steps()))


class TurnFooter(Collapsible):
    """Collapsed: "3 model calls · 1,200 in (800 cached) · 310 out · $0.0012"; open: one line per step and model."""

    DEFAULT_CSS = """
    TurnFooter { background: transparent; border: none; padding: 0; margin: 0 0 1 0; color: $text-muted; }
    TurnFooter > Contents { padding: 0 0 0 4; }
    """

    def __init__(self, cost: TurnCost) -> None:
        self.cost = cost
        # Content, never parsed as markup (model and step names come from models and plugins)
        super().__init__(Static(steps_text(cost), classes="turn-cost-steps"), title=footer_title(cost), collapsed=True, classes="turn-cost")  # type: ignore[arg-type]
