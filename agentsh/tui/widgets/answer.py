"""Assistant answers, finished or streaming.

An answer is a column of segments of a few KB, each one `Static` holding a Rich Markdown
rendering (a few ms, against ~40 ms for a Markdown widget). While an answer streams, its
tail is a Textual `Markdown` widget fed through its stream at most 30 times a second; once
the tail passes a segment's size at a paragraph break, that part is frozen into a static
segment, so each append costs the same at the 20,000th token as at the first.
"""

from __future__ import annotations

import asyncio

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Markdown, Static

from ..literal import markdown_source

SEGMENT_CHARS = 2000
FLUSH_SECONDS = 1 / 30
FENCE = "```"


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
    return segments + [text]


class Segment(Static):
    def __init__(self, text: str) -> None:
        super().__init__(rendered_markdown(text))


class AssistantMessage(Vertical):
    """A finished answer."""

    def __init__(self, text: str = "", interrupted: bool = False, step_limited: bool = False) -> None:
        super().__init__()
        self.parts = [markdown_source(text)] if text else []
        self.interrupted, self.step_limited = interrupted, step_limited

    @property
    def source(self) -> str:
        return "".join(self.parts)

    def compose(self) -> ComposeResult:
        for segment in split_segments(self.source):
            yield Segment(segment)
        yield from self._marker()

    def _marker(self) -> list[Static]:
        note = marker(self.interrupted, self.step_limited)
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
        self._markdown = Markdown()
        self._stream = None
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
            self._live.append(text)
            if self._stream is None:
                self._stream = Markdown.get_stream(self._markdown)
            await self._stream.write(text)
            live = "".join(self._live)
            cut = safe_cut(live, SEGMENT_CHARS)
            if cut is not None:
                await self._freeze(live[:cut], live[cut:])

    async def _freeze(self, done: str, rest: str) -> None:
        """Render `done` as a static segment; a new Markdown widget carries on from `rest`."""
        old, stream = self._markdown, self._stream
        self._markdown, self._stream, self._live = Markdown(rest), None, [rest] if rest else []
        await stream.stop()
        with self.app.batch_update():
            await self.mount(Segment(done), before=old)
            await self.mount(self._markdown, after=old)
            await old.remove()

    async def finish(self, interrupted: bool = False, step_limited: bool = False) -> None:
        """Everything received on screen, as static segments; the marker when it ended early."""
        if self._timer is not None:
            self._timer.stop()
        await self._flush()
        async with self._lock:
            if self._stream is not None:
                await self._stream.stop()
            self.streaming = False
            self.interrupted, self.step_limited = interrupted, step_limited
            with self.app.batch_update():
                await self.mount_all([*(Segment(s) for s in split_segments("".join(self._live))), *self._marker()], before=self._markdown)
                await self._markdown.remove()
