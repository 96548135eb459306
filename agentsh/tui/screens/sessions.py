"""The sessions screen: recent sessions, full-text search over every message, Enter resumes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...errors import AgentshError
from ...store.records import SessionRecord, short_folder
from ...store.search import HIGHLIGHT_END, HIGHLIGHT_START, SearchHit
from ..literal import literal, one_line

if TYPE_CHECKING:
    from ...session import Session

RECENT = 200
HITS = 50


def when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def record_line(record: SessionRecord, current: str | None) -> Text:
    mark = "●" if record.id == current else " "
    line = Text(f"{mark} {record.id}  {when(record.updated_at)}  {record.mode:<10} ")
    line.append_text(literal(one_line(record.title or "(untitled)", 60), "bold"))
    if record.origin == "run":
        line.append("  agentsh run", "dim italic")
    line.append("\n      ")
    line.append_text(literal(one_line(short_folder(record.workspace), 76), "dim"))
    return line


def hit_lines(hit: SearchHit) -> Text:
    line = Text(f"  {hit.session_id}  #{hit.seq:<5} {hit.role:<9} ")
    line.append_text(literal(one_line(hit.title or "(untitled)", 50), "bold"))
    line.append("\n      ")
    line.append_text(highlighted(one_line(hit.snippet, 110)))
    return line


def highlighted(snippet: str) -> Text:
    """The search snippet with its «matches» shown in reverse video instead of the guillemets."""
    text = Text()
    for index, part in enumerate(snippet.replace(HIGHLIGHT_END, HIGHLIGHT_START).split(HIGHLIGHT_START)):
        text.append_text(literal(part, "reverse" if index % 2 else "dim"))
    return text


class SessionsScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("down", "to_list", show=False),
        Binding("ctrl+t", "toggle_here", "this folder / all"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session, self.current = session, session.id
        self.here = False  # only the sessions started in the current folder

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            title = "Sessions · type to search every message · ctrl+t this folder only · enter opens"
            yield Static(Text(title, style="bold"), id="sessions-title")
            yield Input(placeholder="search…", id="sessions-search")
            yield OptionList(id="sessions-list")
            yield Static(id="sessions-info")

    def on_mount(self) -> None:
        self.show_recent()
        self.query_one(Input).focus()

    def show_recent(self) -> None:
        records = self.session.recent_sessions(RECENT, here=self.here)
        where = " started in this folder" if self.here else ""
        self._fill([Option(record_line(r, self.current), id=r.id) for r in records], f"{len(records)} recent sessions{where}")

    def action_toggle_here(self) -> None:
        self.here = not self.here
        self.query_one(Input).value = ""
        self.show_recent()

    def show_hits(self, query: str) -> None:
        try:
            hits = self.session.search_messages(query, HITS)
        except AgentshError as error:
            self._fill([], str(error))
            return
        options = [Option(hit_lines(hit), id=f"{hit.session_id}#{index}") for index, hit in enumerate(hits)]
        self._fill(options, f"{len(hits)} matching messages" if hits else "no message matches")

    def _fill(self, options: list[Option], info: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = 0
        self.query_one("#sessions-info", Static).update(literal(info))

    def on_input_changed(self, event: Input.Changed) -> None:
        query = event.value.strip()
        self.show_hits(query) if query else self.show_recent()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._open(self.query_one(OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index)

    def _open(self, index: int | None) -> None:
        listing = self.query_one(OptionList)
        if index is None or listing.option_count == 0:
            return
        option_id = listing.get_option_at_index(index).id or ""
        self.dismiss(option_id.partition("#")[0])

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_close(self) -> None:
        self.dismiss(None)
