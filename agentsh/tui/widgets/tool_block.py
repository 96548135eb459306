"""A tool call as a collapsible block: name and arguments in the title; arguments, result,
duration and outcome inside."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Collapsible, Static

from ...text import format_duration
from ..literal import arguments_text, clip_lines, literal, one_line

RESULT_LINES = 200
ARGUMENTS_SHOWN = 60  # characters of the arguments in a title, at most
ARGUMENTS_LEAST = 12  # ...and at least, however narrow the block
TITLE_CHROME = 5  # the block's left padding, the title's padding and its "▶ "


def title_of(
    name: str, arguments: dict | str, state: str, agent: str | None = None, duration_ms: float | None = None,
    width: int | None = None,
) -> Content:
    """The block's title; given the `width` it has, the arguments are cut so that the duration still shows."""
    icon = {"running": "◐", "ok": "✓", "error": "✗", "waiting": "?"}[state]
    who = f"{agent} · " if agent else ""
    took = f" · {format_duration(duration_ms)}" if duration_ms is not None else ""
    room = ARGUMENTS_SHOWN
    if width is not None:
        room = max(ARGUMENTS_LEAST, min(room, width - TITLE_CHROME - len(f"{icon} {who}{name}(){took}")))
    label = f"{icon} {who}{name}({one_line(arguments_text(arguments), room)}){took}"
    return Content(label)


class ToolBlock(Collapsible):
    def __init__(self, call_id: str, name: str, arguments: dict | str, agent: str | None = None) -> None:
        self.call_id, self.tool_name, self.arguments, self.agent = call_id, name, arguments, agent
        self.ok: bool | None = None
        self.output: str | None = None
        self.progress: str | None = None  # the latest progress the tool reported, while it runs
        self.duration_ms: float | None = None
        self._body = Static(self._body_text(), classes="tool-body")
        # Collapsible takes Content (shown as is, never parsed as markup); textual annotates `title` as str
        super().__init__(self._body, title=title_of(name, arguments, "running", agent), collapsed=True, classes="tool -running")  # type: ignore[arg-type]

    def finish(self, ok: bool, output: str, duration_ms: float | None) -> None:
        self.ok, self.output, self.duration_ms = ok, output, duration_ms
        self._retitle()
        self.remove_class("-running")
        self.add_class("-ok" if ok else "-error")
        self._body.update(self._body_text(duration_ms))

    def report_progress(self, text: str) -> None:
        """How far the running call is (an MCP server's progress): in the title, so it shows while collapsed."""
        self.progress = text
        label = title_of(self.tool_name, self.arguments, "running", self.agent)
        self.title = Content.assemble(label, Content(f" · {one_line(text, 60)}"))  # type: ignore[assignment]  # Content, as in __init__

    def waiting_for_approval(self, waiting: bool) -> None:
        self.title = title_of(self.tool_name, self.arguments, "waiting" if waiting else "running", self.agent)  # type: ignore[assignment]  # Content, as in __init__

    def on_resize(self) -> None:
        if self.ok is not None:
            self._retitle()

    def _retitle(self) -> None:
        """A finished call's title, fitted to the block's width once it has one."""
        width = self.size.width or None
        state = "ok" if self.ok else "error"
        self.title = title_of(self.tool_name, self.arguments, state, self.agent, self.duration_ms, width)  # type: ignore[assignment]  # Content, as in __init__

    def _body_text(self, duration_ms: float | None = None) -> Text:
        parts = [Text("arguments\n", style="bold"), literal(arguments_text(self.arguments, indent=2))]
        if self.output is not None:
            outcome = "result" if self.ok else "error"
            took = f" · {format_duration(duration_ms)}" if duration_ms is not None else ""
            parts += [Text(f"\n{outcome}{took}\n", style="bold"), literal(clip_lines(self.output, RESULT_LINES))]
        return Text.assemble(*parts)
