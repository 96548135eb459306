"""Transcript entries besides answers: user messages, notices, command output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from ..literal import literal
from .answer import rendered_markdown
from .prompt import size_label, size_label_of

if TYPE_CHECKING:  # the core's models load with the session, after the first paint
    from ...messages import Attachment

SHOWN_LIMIT = 4000  # characters of a user message drawn in the transcript (a paste can be megabytes)


class UserMessage(Static):
    def __init__(self, text: str, attachments: Sequence[Attachment] = ()) -> None:
        shown = _shown(text) if text.strip() else Text("")
        super().__init__(Group(shown, *(_attachment_line(a) for a in attachments)) if attachments else shown)
        self.source = text


def _attachment_line(attachment: Attachment) -> Text:
    """What an @mention attached, named (the name literal: a file name can hold anything)."""
    name = attachment.path if attachment.kind == "shell" else f"@{attachment.path}"
    return Text.assemble(("📎 ", "dim"), literal(name), (f" · {attachment.kind}, {size_label_of(attachment.size)}", "dim"))


def _shown(text: str) -> RenderableType:
    """The message as Markdown (the user's line breaks are meant: each is a hard break); a long one, a
    paste, as the literal text of its head (Markdown takes seconds on a few thousand characters of log)."""
    if len(text) <= SHOWN_LIMIT:
        return rendered_markdown(text.replace("\n", "  \n"))
    return Group(literal(text[:SHOWN_LIMIT]), Text(f"… {size_label(text)} in all, sent and stored whole", style="dim"))


class ShellOutput(Static):
    """A `!command` the user ran, and its output as it comes, literally (the end of it, when long)."""

    SHOWN = 20_000  # characters of output drawn

    def __init__(self, command: str) -> None:
        super().__init__(literal(f"! {command}", "bold"), classes="command-output")
        self.command = command
        self.output = ""
        self.state = "running…"

    def append(self, text: str) -> None:
        self.output = (self.output + text)[-self.SHOWN:]
        self._draw()

    def finish(self, state: str) -> None:
        self.state = state
        self._draw()

    def _draw(self) -> None:
        self.update(Text.assemble(literal(f"! {self.command}", "bold"), "\n", literal(self.output.rstrip("\n")), "\n", (self.state, "dim")))


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
