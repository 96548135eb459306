"""Transcript entries besides answers: user messages, notices, command output."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..literal import literal
from .answer import rendered_markdown


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        # the user's line breaks are meant: each one is a Markdown hard break
        super().__init__(rendered_markdown(text.replace("\n", "  \n")) if text.strip() else Text(""))
        self.source = text


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
