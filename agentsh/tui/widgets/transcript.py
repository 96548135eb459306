"""The scrolling transcript. A long session shows its newest page first; older pages are
mounted above as the user scrolls up, keeping what is on screen in place."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ..history import AssistantItem, CostItem, Item, StepsItem, ToolItem, UserItem
from .answer import AssistantMessage
from .messages import UserMessage
from .past_steps import PastSteps
from .tool_block import ToolBlock
from .turn_cost import TurnFooter

PAGE = 20  # items mounted at a time: more than a screenful of typical messages
LOAD_MARGIN = 2  # lines from the top at which the previous page is loaded
FRAME_COLUMNS = 4  # of the transcript's width, what borders, padding and the scroll bar take


def widget_for(item: Item) -> Widget:
    if isinstance(item, UserItem):
        return UserMessage(item.text, item.attachments)
    if isinstance(item, AssistantItem):
        return AssistantMessage(item.text, item.interrupted, item.step_limited, item.cut, item.budget_limited)
    if isinstance(item, StepsItem):
        return PastSteps(list(item.steps))
    if isinstance(item, CostItem):
        return TurnFooter(item.cost)
    assert isinstance(item, ToolItem)
    block = ToolBlock(item.call.id, item.call.name, item.call.parsed_arguments())
    if item.result is None:
        block.finish(False, "(no result was stored for this call)", None)
    else:
        # the store keeps no ok flag: failed calls are stored as results the model can read, "Error: ..."
        block.finish(not item.result.content.startswith("Error"), item.result.content, None)
    return block


def estimated_lines(item: Item, width: int) -> int:
    """About how many lines `item` takes at `width` columns (at least; its margin included)."""
    if isinstance(item, UserItem | AssistantItem):
        return 1 + sum(1 + len(line) // width for line in item.text.splitlines() or [""])
    if isinstance(item, StepsItem):
        return 1 + len(item.steps)
    if isinstance(item, CostItem):
        return 2  # folded, with its margin
    return 2  # a tool call, folded


class TranscriptView(VerticalScroll):
    def __init__(self) -> None:
        super().__init__(id="transcript")
        self.older: list[Item] = []
        self._loading = False
        self._top = Static(classes="older-marker")

    def on_mount(self) -> None:
        self.anchor()

    async def show_history(self, items: list[Item]) -> None:
        """Replace everything with `items`: the newest page now, the rest on demand. A message
        waiting to be sent (class "pending") stays, below them."""
        await self.remove_children([child for child in self.children if not child.has_class("pending")])
        shown = self._screenful(items)
        self.older = items[:-shown] if len(items) > shown else []
        self._top = Static(classes="older-marker")
        widgets = [self._top, *(widget_for(item) for item in items[len(items) - shown:])]
        if self.children:
            await self.mount_all(widgets, before=self.children[0])
        else:
            await self.mount_all(widgets)
        self._update_marker()
        self.anchor()
        self.call_after_refresh(self._fill_screen)

    def _screenful(self, items: list[Item]) -> int:
        """How many of the newest items to mount first: about what fills the view (at most a page; before the
        first layout, a page). Each costs its Markdown and widgets before the session shows; `_fill_screen` adds more."""
        height, width = self.size.height, self.size.width - FRAME_COLUMNS
        if height <= 0 or width <= 0:
            return min(PAGE, len(items))
        lines, count = 0, 0
        for item in reversed(items[-PAGE:]):
            count += 1
            lines += estimated_lines(item, width)
            if lines >= height + LOAD_MARGIN:
                break
        return count

    def set_older(self, items: list[Item]) -> None:
        """Items before those shown, mounted a page at a time as the user scrolls up."""
        self.older = items + self.older
        self._update_marker()
        self.call_after_refresh(self._fill_screen)

    async def add(self, *widgets: Widget, follow: bool = False, after: Widget | None = None) -> None:
        """Append `widgets` (or put them right `after` one still shown); with `follow` (what the user just
        did), scroll to them wherever the view was."""
        pending = [child for child in self.children if child.has_class("pending")]
        if after is not None and after.parent is self:
            await self.mount_all(widgets, after=after)
        elif pending and not any(widget.has_class("pending") for widget in widgets):
            await self.mount_all(widgets, before=pending[0])  # a message waiting to be sent stays last
        else:
            await self.mount_all(widgets)
        if follow:
            self.follow()

    def scroll_pages(self, pages: float) -> None:
        """Move by a share of the visible height (at least a line); scrolling up leaves the end, as the wheel does."""
        lines = max(1, round(abs(pages) * max(1, self.size.height - 2)))
        if pages < 0:
            self.release_anchor()
        self.scroll_to(y=self.scroll_y + (lines if pages > 0 else -lines), animate=False)

    def follow(self) -> None:
        """Scroll to the end and stay there as the transcript grows, until the user scrolls up again."""
        self.scroll_end(animate=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= LOAD_MARGIN and new_value < old_value and self.older and not self._loading:
            self.run_worker(self.load_older(), group="older", exclusive=True)

    async def load_older(self) -> None:
        """Mount the page before the oldest shown, and scroll so the view does not jump."""
        if not self.older or self._loading:
            return
        self._loading = True
        page, self.older = self.older[-PAGE:], self.older[:-PAGE]
        height = self.virtual_size.height
        await self.mount_all([widget_for(item) for item in page], after=self._top)
        self._update_marker()
        self.call_after_refresh(self._keep_view, height)

    def _keep_view(self, height_before: int) -> None:
        grown = self.virtual_size.height - height_before
        self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True, release_anchor=False)
        self._loading = False

    def _fill_screen(self) -> None:
        """A short newest page leaves room at the top: load older pages until the screen is full."""
        if self.older and self.virtual_size.height <= self.size.height:
            self.run_worker(self._load_and_fill(), group="older", exclusive=True)

    async def _load_and_fill(self) -> None:
        await self.load_older()
        self.call_after_refresh(self._fill_screen)

    def _update_marker(self) -> None:
        count = len(self.older)
        self._top.update(Text(f"↑ {count} older items · scroll up to load them", style="dim") if count else Text(""))
        self._top.display = bool(count)
