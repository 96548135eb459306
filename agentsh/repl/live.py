"""On a terminal, the plain REPL renders answers as Markdown while they stream (Rich's Markdown in a
Live region), and spins while the model has not begun.

The blocks of an answer that are finished (up to the last blank line outside a code fence) are
printed once, for good, into the scrollback; only the block being written is redrawn in place, so
a long answer never has to fit the screen. The text is neutralised first: escape sequences are
shown, never run; Rich markup in it is never interpreted (Markdown is not parsed for markup).

The cost of an answer stays linear in its length: the search for finished blocks starts where the
printed ones end, and the block being written is drawn a few times a second (not once per piece),
only its last screenful — a paragraph or a code block of 20,000 tokens without a blank line would
otherwise be parsed again whole for every piece, and fall minutes behind the stream.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.spinner import Spinner

from ..markdown import rich_markdown
from ..terminal import neutralize

FENCES = ("```", "~~~")


TAIL_REFRESHES = 20  # draws of the block being written per second: its last words reach the screen within ~60 ms


class BlockScanner:
    """Where the finished blocks of a growing answer end (after its last blank line outside a code fence).

    Each line is read once, when it is complete: the answer's cost stays linear in its length.
    """

    def __init__(self, start: int = 0) -> None:
        self.position = start  # where the first line not read yet begins
        self.in_fence = False
        self.end = start

    def feed(self, source: str) -> int:
        while (newline := source.find("\n", self.position)) != -1:
            line = source[self.position : newline + 1]
            self.position = newline + 1
            if line.lstrip().startswith(FENCES):
                self.in_fence = not self.in_fence
            elif not self.in_fence and not line.strip():
                self.end = self.position
        return self.end


def finished_end(source: str, start: int) -> int:
    """Where the finished blocks of `source` end, at least `start` (0, or the end of a block outside any fence)."""
    return BlockScanner(start).feed(source)


def last_screenful(text: str, width: int, height: int) -> str:
    """The end of `text` that fits about one screen: what a live region can show of it."""
    lines = max(3, height - 3)
    keep = text[-lines * max(20, width) :]
    cut = keep.splitlines(keepends=True)[-lines:]
    return "".join(cut)


class TailView:
    """The block being written, rendered when the live region refreshes (not when a piece arrives)."""

    def __init__(self, answer: LiveAnswer) -> None:
        self.answer = answer

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        tail = last_screenful(self.answer.tail, options.max_width, console.size.height)
        yield rich_markdown(neutralize(tail))


class LiveAnswer:
    def __init__(self, out: TextIO, color: bool) -> None:
        self.console = Console(file=out, force_terminal=True, no_color=not color, highlight=False)
        self.source = ""
        self.printed = 0  # characters of `source` printed for good
        self.blocks = BlockScanner()
        self._live: Live | None = None
        self._showing_tail = False  # the live region shows the block being written (not a spinner)

    @property
    def tail(self) -> str:
        """The block being written: what is not printed for good yet."""
        return self.source[self.printed :]

    @property
    def active(self) -> bool:
        return self._live is not None or bool(self.source)

    def wait(self, label: str) -> None:
        """A spinner with `label` until the first output (the model has not begun its answer)."""
        spinner = Spinner("dots", text=neutralize(label), style="dim")
        if self._live is None:
            self._live = Live(spinner, console=self.console, transient=True, refresh_per_second=10)
            self._live.start()
        else:
            self._live.update(spinner)
        self._showing_tail = False

    def stop_waiting(self) -> None:
        if self._live is not None and not self.source:
            self._stop_live()

    def write(self, delta: str) -> None:
        if not self.source:
            self.stop_waiting()
        self.source += delta
        done = self.blocks.feed(self.source)
        if done > self.printed:
            self._stop_live()
            self._print(self.source[self.printed : done])
            self.printed = done
        if self.tail.strip():
            self._show_tail()

    def finish(self) -> None:
        """The answer ended: what is left of it printed for good; the next one starts afresh."""
        tail = self.source[self.printed :]
        self._stop_live()
        if tail.strip():
            self._print(tail)
        self.source, self.printed, self.blocks = "", 0, BlockScanner()

    def _show_tail(self) -> None:
        if self._live is None:
            self._live = Live(TailView(self), console=self.console, transient=True, refresh_per_second=TAIL_REFRESHES)
            self._live.start(refresh=True)
        elif not self._showing_tail:  # a spinner shown mid-answer
            self._live.update(TailView(self), refresh=True)
        self._showing_tail = True

    def _print(self, text: str) -> None:
        """Finished blocks, for good; a blank line between them, as Markdown puts between blocks."""
        if text.strip():
            if self.printed:
                self.console.print()
            self.console.print(rich_markdown(neutralize(text)))

    def _stop_live(self) -> None:
        live, self._live, self._showing_tail = self._live, None, False
        if live is not None:
            live.stop()
