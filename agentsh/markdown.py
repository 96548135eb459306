"""Markdown as agentsh shows it: a line break the model wrote stays a line break.

CommonMark joins the lines of a paragraph into one ("soft breaks"). In a terminal shell that
collapses what answers quote most — a command's output, a file listing, an address — into one
run-on line, so every renderer here (Rich's for finished answers and the REPL, Textual's for a
streaming one) turns soft breaks into hard ones. Code blocks are untouched by either.
Rich and markdown-it are imported on first use: not needed to paint.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token
    from rich.markdown import Markdown


def keep_line_breaks(tokens: Iterable[Token]) -> None:
    """Every soft break in these (block) tokens' inline children becomes a hard break."""
    for token in tokens:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"


def rich_markdown(text: str, **options: Any) -> Markdown:
    """Rich's Markdown of `text`, its line breaks kept."""
    from rich.markdown import Markdown

    rendered = Markdown(text, **options)
    keep_line_breaks(rendered.parsed)
    return rendered


def textual_parser() -> MarkdownIt:
    """The parser for Textual's Markdown widget (its own "gfm-like" setup), its line breaks kept."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("gfm-like")

    def hard_breaks(state: StateCore) -> None:
        keep_line_breaks(state.tokens)

    parser.core.ruler.push("agentsh_hard_breaks", hard_breaks)
    return parser
