"""A tool call as a collapsible block: name and arguments in the title; arguments, result,
duration and outcome inside."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Collapsible, Static

from ...text import format_duration
from ..literal import arguments_text, clip_lines, literal, one_line

RESULT_LINES = 200


def title_of(name: str, arguments: dict | str, state: str, agent: str | None = None, duration_ms: float | None = None) -> Content:
    icon = {"running": "◐", "ok": "✓", "error": "✗", "waiting": "?"}[state]
    who = f"{agent} · " if agent else ""
    took = f" · {format_duration(duration_ms)}" if duration_ms is not None else ""
    label = f"{icon} {who}{name}({one_line(arguments_text(arguments), 60)}){took}"
    return Content(label)


class ToolBlock(Collapsible):
    def __init__(self, call_id: str, name: str, arguments: dict | str, agent: str | None = None) -> None:
        self.call_id, self.tool_name, self.arguments, self.agent = call_id, name, arguments, agent
        self.ok: bool | None = None
        self.output: str | None = None
        self.progress: str | None = None  # the latest progress the tool reported, while it runs
        self._body = Static(self._body_text(), classes="tool-body")
        # Collapsible takes Content (shown as is, never parsed as markup); textual annotates `title` as str
        super().__init__(self._body, title=title_of(name, arguments, "running", agent), collapsed=True, classes="tool -running")  # type: ignore[arg-type]

    def finish(self, ok: bool, output: str, duration_ms: float | None) -> None:
        self.ok, self.output = ok, output
        self.title = title_of(self.tool_name, self.arguments, "ok" if ok else "error", self.agent, duration_ms)  # type: ignore[assignment]  # Content, as in __init__
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

    def _body_text(self, duration_ms: float | None = None) -> Text:
        parts = [Text("arguments\n", style="bold"), literal(arguments_text(self.arguments, indent=2))]
        if self.output is not None:
            outcome = "result" if self.ok else "error"
            took = f" · {format_duration(duration_ms)}" if duration_ms is not None else ""
            parts += [Text(f"\n{outcome}{took}\n", style="bold"), literal(clip_lines(self.output, RESULT_LINES))]
        return Text.assemble(*parts)
