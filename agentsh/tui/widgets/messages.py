"""Transcript entries: user and assistant messages, notices, command output.

Finished messages are one `Static` holding a Rich Markdown renderable (a few ms each);
only the answer being streamed is a Textual `Markdown` widget, fed through its stream.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from ..literal import literal, markdown_source


def rendered_markdown(text: str) -> RenderableType:
    from rich.markdown import Markdown as RichMarkdown  # imported on first use: not needed to paint

    return RichMarkdown(markdown_source(text), code_theme="ansi_dark", hyperlinks=False)


def marker(interrupted: bool, step_limited: bool) -> Text | None:
    """The note under an answer that did not end normally."""
    notes = []
    if interrupted:
        notes.append("⏹ interrupted: the partial answer was kept")
    if step_limited:
        notes.append("⚠ cut short by the step limit (--max-steps)")
    return Text("\n".join(notes), style="italic") if notes else None


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        # the user's line breaks are meant: each one is a Markdown hard break
        super().__init__(rendered_markdown(text.replace("\n", "  \n")) if text.strip() else Text(""))
        self.source = text


class AssistantMessage(Static):
    """A finished answer."""

    def __init__(self, text: str, interrupted: bool = False, step_limited: bool = False) -> None:
        note = marker(interrupted, step_limited)
        body = rendered_markdown(text)
        super().__init__(Group(body, note) if note else body)
        self.source = text
        self.interrupted = interrupted
        if note is not None:
            self.add_class("-ended-early")


class StreamingAnswer(Vertical):
    """The answer arriving token by token, appended with Textual's Markdown stream."""

    def __init__(self) -> None:
        super().__init__()
        self.source_parts: list[str] = []
        self._markdown = Markdown()
        self._stream = None

    def compose(self) -> ComposeResult:
        yield self._markdown

    @property
    def source(self) -> str:
        return "".join(self.source_parts)

    async def write(self, delta: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self._markdown)
        text = markdown_source(delta)
        self.source_parts.append(text)
        await self._stream.write(text)

    async def finish(self) -> None:
        """Wait until every fragment is on screen."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None

    def add_marker(self, interrupted: bool, step_limited: bool) -> None:
        note = marker(interrupted, step_limited)
        if note is not None:
            self.add_class("-ended-early")
            self.mount(Static(note, classes="marker"))


class NoticeLine(Static):
    """Something to know that is not an answer: a notice, a recalled memory, a compaction."""

    def __init__(self, text: str, level: str = "info") -> None:
        icon = {"info": "ℹ", "warning": "⚠", "error": "✗"}.get(level, "ℹ")
        super().__init__(literal(f"{icon} {text}"), classes=f"notice -{level}")


class CommandOutput(Static):
    """What a slash command printed, shown as it is (monospace, literal)."""

    def __init__(self, command: str, text: str, error: bool = False) -> None:
        body = Text.assemble(literal(command, "bold"), "\n", literal(text)) if text else literal(command, "bold")
        super().__init__(body, classes="command-output" + (" -error" if error else ""))
