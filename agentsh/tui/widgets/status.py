"""The status bar: session title and id, mode, model, tokens and cost, and whether a turn runs."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ...models import model_label
from ..literal import one_line

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


@dataclass
class StatusInfo:
    title: str | None = None
    session_id: str | None = None
    mode: str = ""
    model: str = ""
    tokens: int = 0
    cost: float | None = 0.0
    state: str = "opening"  # opening | idle | waiting | running
    activity: int = 0  # events seen in the running turn: the spinner moves when something happens
    queued: int = 0
    waiting: str | None = None  # the running turn's model has not begun its answer: "waiting for the model: 35 s"


def cost_label(cost: float | None) -> str:
    return "cost unknown" if cost is None else f"${cost:.4f}"


def state_label(info: StatusInfo) -> Text:
    queued = f" +{info.queued} queued" if info.queued else ""
    if info.state == "running":
        return Text(f"{SPINNER[info.activity % len(SPINNER)]} {info.waiting or 'running'}{queued}", style="bold yellow")
    if info.state == "waiting":
        return Text(f"… loading the model client{queued}", style="bold yellow")
    if info.state == "opening":
        return Text("… opening the session", style="yellow")
    return Text("ready", style="green")


def title_text(info: StatusInfo) -> Text:
    ident = f" · {info.session_id}" if info.session_id else ""
    return Text.assemble((one_line(info.title or "new session", 60), "bold"), (ident, "dim"))


def details_text(info: StatusInfo) -> Text:
    line = Text(f"{info.mode} · {model_label(info.model)} · {info.tokens:,} tokens · {cost_label(info.cost)} · ")
    line.append_text(state_label(info))
    return line


class StatusBar(Horizontal):
    """Title on the left (cut to fit); mode, model, usage and state on the right."""

    def __init__(self) -> None:
        super().__init__(id="status")
        self.info = StatusInfo()
        self._title = Static(title_text(self.info), id="status-title")
        self._details = Static(details_text(self.info), id="status-details")

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._details

    def show(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.info, name, value)
        self._title.update(title_text(self.info))
        self._details.update(details_text(self.info))
