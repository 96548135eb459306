"""On a terminal, the plain REPL renders answers as Markdown while they stream (Rich's Markdown in a
Live region), and spins while the model has not begun.

The blocks of an answer that are finished (up to the last blank line outside a code fence) are
printed once, for good, into the scrollback; only the block being written is redrawn in place, so
a long answer never has to fit the screen. The text is neutralised first: escape sequences are
shown, never run; Rich markup in it is never interpreted (Markdown is not parsed for markup).
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner

from ..markdown import rich_markdown
from ..terminal import neutralize

FENCES = ("```", "~~~")


def finished_end(source: str, start: int) -> int:
    """Where the finished blocks of `source` end (after its last blank line outside a code fence), at least `start`."""
    end, position, in_fence = start, 0, False
    for line in source.splitlines(keepends=True):
        position += len(line)
        if line.lstrip().startswith(FENCES):
            in_fence = not in_fence
        elif not in_fence and not line.strip() and line.endswith("\n") and position > start:
            end = position
    return end


class LiveAnswer:
    def __init__(self, out: TextIO, color: bool) -> None:
        self.console = Console(file=out, force_terminal=True, no_color=not color, highlight=False)
        self.source = ""
        self.printed = 0  # characters of `source` printed for good
        self._live: Live | None = None

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

    def stop_waiting(self) -> None:
        if self._live is not None and not self.source:
            self._stop_live()

    def write(self, delta: str) -> None:
        if not self.source:
            self.stop_waiting()
        self.source += delta
        done = finished_end(self.source, self.printed)
        if done > self.printed:
            self._stop_live()
            self._print(self.source[self.printed : done])
            self.printed = done
        tail = self.source[self.printed :]
        if tail.strip():
            self._show_tail(tail)

    def finish(self) -> None:
        """The answer ended: what is left of it printed for good; the next one starts afresh."""
        tail = self.source[self.printed :]
        self._stop_live()
        if tail.strip():
            self._print(tail)
        self.source, self.printed = "", 0

    def _show_tail(self, tail: str) -> None:
        view = rich_markdown(neutralize(tail))
        if self._live is None:
            self._live = Live(view, console=self.console, transient=True, auto_refresh=False)
            self._live.start()
        else:
            self._live.update(view)
        self._live.refresh()

    def _print(self, text: str) -> None:
        """Finished blocks, for good; a blank line between them, as Markdown puts between blocks."""
        if text.strip():
            if self.printed:
                self.console.print()
            self.console.print(rich_markdown(neutralize(text)))

    def _stop_live(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()
