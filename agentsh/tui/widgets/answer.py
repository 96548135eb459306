"""Assistant answers, finished or streaming.

An answer is a column of segments of a few KB, each one `Static` holding a Rich Markdown
rendering (a few ms, against ~40 ms for a Markdown widget). While an answer streams, its
tail is a Textual `Markdown` widget fed through its stream at most 30 times a second; once
the tail passes a segment's size at a paragraph break, that part is frozen into a static
segment, so each append costs the same at the 20,000th token as at the first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.segment import Segment as RichSegment
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from ...markdown import rich_markdown, textual_parser
from ..literal import markdown_source

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

SEGMENT_CHARS = 2000
GROUP = 8  # segments per widget
FLUSH_SECONDS = 1 / 30
FENCE = "```"


class RenderedOnce:
    """A renderable drawn once per width. Textual renders a Static's content for its height
    and again for its lines at every layout pass of its container; a Markdown segment costs
    milliseconds each time, so an answer that keeps growing would cost more and more."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._segments: dict[tuple, list[RichSegment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> list[RichSegment]:
        key = (options.max_width, options.height)
        if key not in self._segments:
            self._segments[key] = list(console.render(self.renderable, options))
        return self._segments[key]


def rendered_markdown(text: str) -> RenderableType:
    return RenderedOnce(rich_markdown(markdown_source(text), code_theme="ansi_dark", hyperlinks=False))


def markdown_widget(text: str = "") -> Markdown:
    from textual.widgets import Markdown  # with markdown-it ~15 ms: imported once an answer streams, not to paint

    return Markdown(text, parser_factory=textual_parser)


def marker(interrupted: bool, step_limited: bool, cut: bool = False, budget_limited: bool = False, kept: bool = True) -> Text | None:
    """The note under an answer that did not end normally (`kept`: some of it was written)."""
    notes = []
    if interrupted:
        notes.append("⏹ interrupted: the partial answer was kept" if kept else "⏹ interrupted before any answer")
    if step_limited:
        notes.append("⚠ cut short by the step limit (--max-steps)")
    if cut:
        notes.append("✂ cut: the answer stopped at the model's token cap; /continue goes on from there")
    if budget_limited:
        kept_note = "the partial answer was kept" if kept else "no answer yet"
        notes.append(f"■ budget-limited: the turn stopped at its budget; {kept_note} (/budget to see or raise it)")
    return Text("\n".join(notes), style="italic") if notes else None


def safe_cut(text: str, after: int) -> int | None:
    """The end of the first paragraph break at or after `after` that is outside a code fence."""
    index = text.find("\n\n", after)
    while index != -1:
        if text.count(FENCE, 0, index) % 2 == 0:
            return index + 2
        index = text.find("\n\n", index + 2)
    return None


def split_segments(text: str, size: int = SEGMENT_CHARS) -> list[str]:
    segments = []
    while len(text) > size and (cut := safe_cut(text, size)) is not None and cut < len(text):
        segments.append(text[:cut])
        text = text[cut:]
    return [*segments, text]


class Segments(Static):
    """Up to GROUP segments in one widget: a layout pass costs Textual time per widget, so a
    long answer as one widget per segment would make every frame slower as it grows."""

    def __init__(self, texts: Sequence[str] = ()) -> None:
        self.rendered = [rendered_markdown(text) for text in texts]
        super().__init__(self._group())

    @property
    def room(self) -> int:
        return GROUP - len(self.rendered)

    def extend(self, texts: list[str]) -> None:
        self.rendered += [rendered_markdown(text) for text in texts]
        self.update(self._group())

    def _group(self) -> Group:
        parts: list[RenderableType] = []
        for rendered in self.rendered:
            parts += [Text(""), rendered] if parts else [rendered]
        return Group(*parts)


def in_groups(texts: list[str]) -> list[list[str]]:
    return [texts[start : start + GROUP] for start in range(0, len(texts), GROUP)]


class AssistantMessage(Vertical):
    """A finished answer."""

    def __init__(
        self, text: str = "", interrupted: bool = False, step_limited: bool = False, cut: bool = False, budget_limited: bool = False,
    ) -> None:
        super().__init__()
        self.parts = [markdown_source(text)] if text else []
        self.interrupted, self.step_limited, self.cut = interrupted, step_limited, cut
        self.budget_limited = budget_limited

    @property
    def source(self) -> str:
        return "".join(self.parts)

    def compose(self) -> ComposeResult:
        for texts in in_groups(split_segments(self.source)):
            yield Segments(texts)
        yield from self._marker()

    def _marker(self) -> list[Static]:
        note = marker(self.interrupted, self.step_limited, self.cut, self.budget_limited)
        if note is None:
            return []
        self.add_class("-ended-early")
        return [Static(note, classes="marker")]


class StreamingAnswer(AssistantMessage):
    """An answer arriving token by token; `finish` leaves it exactly like a finished one."""

    def __init__(self) -> None:
        super().__init__()
        self.streaming = True
        self._pending: list[str] = []
        self._live: list[str] = []
        self._markdown = markdown_widget()
        self._stream: MarkdownStream | None = None
        self._timer: Timer | None = None
        self._lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield self._markdown

    def write(self, delta: str) -> None:
        text = markdown_source(delta)
        self.parts.append(text)
        self._pending.append(text)
        if self._timer is None:
            self._timer = self.set_timer(FLUSH_SECONDS, self._flush)

    async def _flush(self) -> None:
        async with self._lock:
            self._timer = None
            if not self._pending:
                return
            text = "".join(self._pending)
            self._pending.clear()
            *done, rest = split_segments("".join(self._live) + text)
            if done:
                await self._freeze(done, rest)
            else:
                self._live.append(text)
                if self._stream is None:
                    self._stream = self._markdown.get_stream(self._markdown)
                await self._stream.write(text)

    async def _freeze(self, done: list[str], rest: str) -> None:
        """Render `done` as static segments; a new Markdown widget carries on from `rest`."""
        old, stream = self._markdown, self._stream
        self._markdown, self._stream, self._live = markdown_widget(rest), None, [rest] if rest else []
        if stream is not None:
            await stream.stop()
        with self.app.batch_update():
            await self._add_segments(done, before=old)
            await self.mount(self._markdown, after=old)
            await old.remove()

    async def _add_segments(self, texts: list[str], before: Markdown) -> None:
        """Fill the last group of segments, then new groups, all above the live tail."""
        groups = self.query_children(Segments)
        group = groups.last() if groups else None
        while texts:
            if group is None or group.room == 0:
                group = Segments()
                await self.mount(group, before=before)
            taken, texts = texts[: group.room], texts[group.room :]
            group.extend(taken)

    async def finish(self, interrupted: bool = False, step_limited: bool = False, cut: bool = False, budget_limited: bool = False) -> None:
        """Everything received on screen, as static segments; the marker when it ended early."""
        if self._timer is not None:
            self._timer.stop()
        await self._flush()
        async with self._lock:
            if self._stream is not None:
                await self._stream.stop()
            self.streaming = False
            self.interrupted, self.step_limited, self.cut = interrupted, step_limited, cut
            self.budget_limited = budget_limited
            with self.app.batch_update():
                live = "".join(self._live)
                if live:
                    await self._add_segments(split_segments(live), before=self._markdown)
                await self.mount_all(self._marker(), before=self._markdown)
                await self._markdown.remove()
