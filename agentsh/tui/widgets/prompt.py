"""The input: Enter sends, Ctrl+J (or Alt+Enter / Shift+Enter where the terminal reports
them) adds a line, Up/Down walk the history, Tab completes slash commands and arguments.

A paste is inserted as it is (escape sequences are characters of it, shown, never run). One
larger than INLINE_LIMIT would make the text area slow and heavy, so it becomes an attachment,
named on the input's lower border; Ctrl+X removes it (with no text selected), Enter sends it,
whole, after whatever was typed."""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from ..literal import pictured
from ..paste import normalize_newlines

NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter")
PLACEHOLDER = "Message agentsh · / for commands · ctrl+j new line"
SCROLL_KEYS = {"pageup": -1.0, "pagedown": 1.0, "ctrl+up": -0.2, "ctrl+down": 0.2}  # pages the transcript moves
INLINE_LIMIT = 32 * 1024  # characters: a longer paste (or recalled message) is an attachment


def size_label(text: str) -> str:
    return size_label_of(len(text.encode("utf-8", "surrogatepass")))


def size_label_of(size: int) -> str:
    if size < 1000 * 1000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1000 / 1000:.1f} MB"


class InputHistory:
    """Earlier inputs, walked with Up/Down; the unsent draft comes back at the end."""

    def __init__(self, entries: list[str] | None = None) -> None:
        self.entries = list(entries or [])
        self.index: int | None = None
        self.draft = ""

    def add(self, text: str) -> None:
        if text.strip() and (not self.entries or self.entries[-1] != text):
            self.entries.append(text)
        self.index = None

    def previous(self, current: str) -> str | None:
        if not self.entries or self.index == 0:
            return None
        if self.index is None:
            self.draft, self.index = current, len(self.entries)
        self.index -= 1
        return self.entries[self.index]

    def next(self) -> str | None:
        if self.index is None:
            return None
        self.index += 1
        if self.index >= len(self.entries):
            self.index = None
            return self.draft
        return self.entries[self.index]


class Completion:
    """Tab: complete to the longest common prefix; Tab again cycles through the candidates."""

    def __init__(self, candidates: Callable[[str], list[str]]) -> None:
        self.candidates = candidates
        self.cycle: list[str] = []
        self.position = -1
        self.anchor = ""
        self.shown = False

    def reset(self) -> None:
        self.cycle, self.position, self.anchor = [], -1, ""

    def complete(self, text: str) -> tuple[str, list[str]]:
        """The new input text and the candidates to show."""
        if self.cycle and (text in self.cycle or text == self.anchor):
            self.position = (self.position + 1) % len(self.cycle)
            return self.cycle[self.position], self.cycle
        options = self.candidates(text)
        if len(options) == 1:
            self.reset()
            return options[0], []
        self.cycle, self.position = options, -1
        prefix = os.path.commonprefix(options) if options else text  # noqa: RUF071 (words, not paths: a character prefix is meant)
        self.anchor = prefix if len(prefix) > len(text) else text
        return self.anchor, options


class PromptInput(TextArea):
    BINDINGS = [
        Binding("enter", "submit", "send", key_display="⏎"),
        Binding("ctrl+j", "newline", "new line"),
        Binding("tab", "complete", "complete", show=False),
    ]

    class Submitted(Message):
        def __init__(self, text: str, replace: bool = False) -> None:
            super().__init__()
            self.text = text
            self.replace = replace  # sent in place of the last user message (its turn is replaced)

    class ScrollTranscript(Message):
        """PageUp/PageDown (Ctrl+↑/↓ a few lines) scroll the transcript while the input keeps the focus."""

        def __init__(self, pages: float) -> None:
            super().__init__()
            self.pages = pages

    class CompletionsShown(Message):
        def __init__(self, options: list[str]) -> None:
            super().__init__()
            self.options = options

    def __init__(self, candidates: Callable[[str], list[str]], **kwargs) -> None:
        super().__init__(id="prompt", soft_wrap=True, tab_behavior="focus", placeholder=PLACEHOLDER, **kwargs)
        self.inputs = InputHistory()
        self.completion = Completion(candidates)
        self.attachments: list[str] = []
        self.last_message: Callable[[], str | None] = lambda: None  # the session's last user message, set by the app
        self.editing = False  # the input holds the last user message: sending it replaces that turn

    @property
    def message(self) -> str:
        """What Enter would send: the typed text, then each attached paste, whole."""
        return "\n".join(part for part in [self.text, *self.attachments] if part)

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # the text area's own handler would insert the text once more, unnormalised
        event.stop()
        text = normalize_newlines(event.text)
        if len(text) > INLINE_LIMIT:
            self.attach(text)
        else:
            await super()._on_paste(events.Paste(text))

    def get_line(self, line_index: int) -> Text:
        """A line as drawn: control characters (a pasted escape sequence) shown, never sent to the terminal."""
        return Text(pictured(self.document.get_line(line_index)), end="", no_wrap=True)

    def attach(self, text: str) -> None:
        self.attachments.append(text)
        self._show_attachments()

    def action_cut(self) -> None:
        """Ctrl+X: cut the selection; with none, remove the latest attached paste, if any."""
        if self.attachments and self.selection.is_empty:
            self.attachments.pop()
            self._show_attachments()
        else:
            super().action_cut()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.editing and not self.text.strip():  # the user cleared the input: no longer an edit
            self.editing = False
            self._show_attachments()

    def edit_last(self, text: str) -> None:
        """Put the last user message in the input; sending it replaces that turn."""
        self.set_text(text)
        self.editing = True
        self._show_attachments()

    def _show_attachments(self) -> None:
        if self.editing:
            self.border_subtitle = "editing your last message · enter replaces that turn (kept as a fork) · esc cancels"
            return
        if not self.attachments:
            self.border_subtitle = ""
            return
        latest = f"pasted text, {size_label(self.attachments[-1])}"
        more = f" (+{len(self.attachments) - 1} more)" if len(self.attachments) > 1 else ""
        self.border_subtitle = f"{latest}{more} · ctrl+x removes it"

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "tab" and self.completion.shown:
            self._show_completions([])
        if self._special_key(event.key):
            event.stop()
            event.prevent_default()

    def _special_key(self, key: str) -> bool:
        """True when the key was handled here, False to let the text area have it."""
        if key == "enter":
            self.action_submit()
        elif key in NEWLINE_KEYS:
            self.action_newline()
        elif key == "tab":
            return self.action_complete()
        elif key == "up" and not self.message.strip() and not self.editing and (last := self.last_message()) is not None:
            self.inputs.previous(self.message)  # ↓ goes back to the empty input, as from any recalled message
            self.edit_last(last)
        elif key in SCROLL_KEYS:
            self.post_message(self.ScrollTranscript(SCROLL_KEYS[key]))
        elif key == "escape" and self.editing:
            self.clear_all()
        elif key == "up" and self.cursor_at_first_line:
            return self._recall(self.inputs.previous(self.message))
        elif key == "down" and self.cursor_at_last_line:
            return self._recall(self.inputs.next())
        else:
            return False
        return True

    def action_submit(self) -> None:
        text = self.message
        if not text.strip():
            return
        replace = self.editing
        self.inputs.add(text)
        self.completion.reset()
        self.clear_all()
        self.post_message(self.Submitted(text, replace=replace))

    def clear_all(self) -> None:
        """The typed text and the attachments (and an edit of the last message is given up)."""
        self.clear()
        self.editing = False
        self.attachments.clear()
        self._show_attachments()

    def action_newline(self) -> None:
        self.insert("\n")

    def action_complete(self) -> bool:
        from ...commands import mention_word  # not at import: the commands pull in the modes, after the first paint

        completing = (self.text.startswith("/") and "\n" not in self.text) or mention_word(self.text) is not None
        if not completing:
            return False
        text, options = self.completion.complete(self.text)
        self.set_text(text)
        self._show_completions(options)
        return True

    def set_text(self, text: str) -> None:
        """Replace the input: a text too long for it (a recalled or restored paste) becomes an attachment."""
        self.attachments.clear()
        if len(text) > INLINE_LIMIT:
            self.text = ""
            self.attach(text)
            return
        self._show_attachments()
        self.text = text
        self.move_cursor(self.document.end)

    def _recall(self, text: str | None) -> bool:
        if text is None:
            return False
        self.editing = False
        self.set_text(text)
        return True

    def _show_completions(self, options: list[str]) -> None:
        if not options:
            self.completion.reset()
        self.completion.shown = bool(options)
        self.post_message(self.CompletionsShown(options))
