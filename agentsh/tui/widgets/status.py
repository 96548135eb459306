"""The status bar: session title and id, mode, model, how full the context is, cost, and whether a turn runs.

It degrades with the width: the model, the cost and the context figure go first, then the title is
cut; the mode and the running state are the last things on the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Resize
from textual.widgets import Static

from ...costs import dollars
from ..literal import one_line

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TITLE_ROOM = 16  # cells kept for the title before the details give up their less needed parts
SEPARATOR = " · "


@dataclass
class StatusInfo:
    title: str | None = None
    session_id: str | None = None
    mode: str = ""
    model: str = ""
    tokens: int = 0  # the session's running total (for /status)
    context: int | None = None  # tokens the conversation fills in the model's context now
    window: int | None = None  # the model's context window, when known
    cost: float | None = 0.0
    state: str = "opening"  # opening | idle | waiting | running
    activity: int = 0  # events seen in the running turn: the spinner moves when something happens
    queued: int = 0
    waiting: int | None = None  # seconds the running turn's model has not begun its answer for
    waiting_for: str | None = None  # whose model that is (a sub-agent), if not the turn's own
    opening: str | None = None  # what opening the session is busy with ("plugin slow.py"), when it says


def cost_label(cost: float | None) -> str:
    return "cost unknown" if cost is None else dollars(cost)


def compact_number(count: int) -> str:
    """12 · 1.2k · 34k · 1.3M: a figure that fits the status line."""
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def context_label(info: StatusInfo) -> str | None:
    """"ctx 12k/128k (9%)": how full the model's context is; None before anything is known."""
    if info.context is None:
        return None
    if not info.window:
        return f"ctx {compact_number(info.context)}"
    share = round(100 * info.context / info.window)
    return f"ctx {compact_number(info.context)}/{compact_number(info.window)} ({share}%)"


def state_label(info: StatusInfo, short: bool = False) -> Text:
    queued = (f" +{info.queued}" if short else f" +{info.queued} queued") if info.queued else ""
    if info.state == "running":
        return Text(f"{SPINNER[info.activity % len(SPINNER)]} {_running(info, short)}{queued}", style="bold yellow")
    if info.state == "waiting":
        return Text(f"… {'loading model' if short else 'loading the model client'}{queued}", style="bold yellow")
    if info.state == "opening":
        doing = info.opening or ("opening" if short else "opening the session")
        return Text(f"… {doing}{queued}", style="yellow")
    return Text("ready", style="green")


def _running(info: StatusInfo, short: bool) -> str:
    if info.waiting is None:
        return "running"
    if short:
        return f"waiting {info.waiting} s"
    who = f" ({info.waiting_for})" if info.waiting_for else ""
    return f"waiting for the model{who}: {info.waiting} s"


def title_text(info: StatusInfo, with_id: bool = True) -> Text:
    ident = f" · {info.session_id}" if info.session_id and with_id else ""
    return Text.assemble((one_line(info.title or "new session", 60), "bold"), (ident, "dim"))


def details_text(info: StatusInfo, room: int | None = None) -> Text:
    """Mode, model, context, cost and state, leaving out the least needed parts until it fits `room` cells."""
    if not info.mode:  # no session yet
        return state_label(info, short=room is not None and room < 20)
    # imported once a session is open: the models (and the events they import) load after the first paint
    from ...models import model_label

    mode, model, context, cost = info.mode, model_label(info.model), context_label(info), cost_label(info.cost)
    choices: tuple[tuple[list[str | None], bool], ...] = (
        ([mode, model, context, cost], False), ([mode, model, context, cost], True), ([mode, context, cost], True),
        ([mode, context], True), ([mode], True), ([], True),
    )
    for parts, short in choices:
        line = _joined([part for part in parts if part], state_label(info, short))
        if room is None or cell_len(line.plain) <= room:
            return line
    return line


def _joined(parts: list[str], state: Text) -> Text:
    line = Text(SEPARATOR.join(parts) + SEPARATOR if parts else "")
    line.append_text(state)
    return line


class StatusBar(Horizontal):
    """Title on the left (cut to fit); mode, model, usage and state on the right, fewer of them when narrow."""

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
        self._draw()

    def on_resize(self, event: Resize) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.content_size.width
        room = max(0, width - TITLE_ROOM - 2) if width else None  # 2: the details' left padding
        self._title.update(title_text(self.info, with_id=not width or width >= 100))
        self._details.update(details_text(self.info, room))
