"""The interactive side of the plain REPL: a prompt-toolkit prompt, and the questions it asks.

    Enter submits · Alt+Enter (Esc Enter) adds a newline · Tab completes /commands
    Ctrl+C clears the line (or interrupts a running turn) · Ctrl+D on an empty line quits

The prompt comes up before the session exists (the core's imports and the session's opening run
in a thread meanwhile): this module imports prompt-toolkit and the base only, and until
`session()` gives a session the prompt shows the mode the settings name.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from ..events import ApprovalRequest, ElicitationRequest, SamplingRequest
from ..forms import FormAnswer, FormError
from ..terminal import clipboard_sequence, neutralize
from ..tools.approval import Decision
from .approval import ask_decision
from .keys import watch_turn_keys
from .server_questions import Keys, allow_sampling, fill_form

if TYPE_CHECKING:
    from ..session import Session

HISTORY_FILE = "repl_history"
DRAWN_TIMEOUT = 0.5  # seconds: the most the session's opening waits for the prompt to be drawn


class SlashCompleter(Completer):
    """Completes /command names, then their arguments, from `agentsh.commands` (nothing until the session is open)."""

    def __init__(self, session: Callable[[], Session | None]) -> None:
        self.session = session

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        session = self.session()
        if session is None:
            return
        from ..commands import command_summaries, completions, is_command, mention_word  # imported once the session is open

        text = document.text_before_cursor
        partial = mention_word(text)
        if partial is not None:
            yield from self._paths(session, text, partial)
            return
        if not is_command(text) or "\n" in text:
            return
        naming = " " not in text
        typed = text if naming else text.partition(" ")[2]
        try:
            candidates = completions(session, text)
        except Exception:  # a completion must never break typing (e.g. the store is busy)
            return
        summaries = command_summaries(session) if naming else {}
        for candidate in candidates:
            meta = neutralize(summaries[candidate[1:]]) if candidate[1:] in summaries else None
            yield Completion(candidate, start_position=-len(typed), display_meta=meta)


    def _paths(self, session: Session, text: str, partial: str) -> Iterable[Completion]:
        from ..commands import mention_completions

        try:
            candidates = mention_completions(session, text)
        except Exception:  # a completion must never break typing
            return
        for candidate in candidates:
            yield Completion(candidate[len(text) - len(partial):], start_position=-len(partial), display=neutralize(candidate[len(text) - len(partial):]))


def write_clipboard(output: Output, text: str) -> None:
    sequence = clipboard_sequence(text)
    try:
        is_terminal = os.isatty(output.fileno())
    except (NotImplementedError, OSError, ValueError):
        is_terminal = False
    if not is_terminal:
        raise ValueError("the output is not a terminal")
    output.write_raw(sequence)
    output.flush()


def newline_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("escape", "enter")  # what Alt+Enter sends
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.newline(copy_margin=False)

    return bindings


class PromptTerminal:
    """Reads lines with prompt-toolkit; asks approvals with single keys.

    `waiting_for` says what the terminal is reading right now ("prompt", "approval",
    "question" or None): input typed before a question appears never answers it.
    """

    can_ask = True
    echo = False  # the prompt line stays on screen: no need to repeat it

    def __init__(
        self, history: Path, session: Callable[[], Session | None], status: Callable[[], str],
        keyboard: Input | None = None, screen: Output | None = None, mode: str = "",
    ) -> None:
        history.parent.mkdir(parents=True, exist_ok=True)
        self.session = session
        self.mode = mode  # shown in the prompt until there is a session
        self.waiting_for: str | None = None
        self.prompt: PromptSession[str] = PromptSession(
            history=FileHistory(str(history)), completer=SlashCompleter(session), complete_while_typing=True,
            auto_suggest=AutoSuggestFromHistory(), key_bindings=newline_bindings(),
            bottom_toolbar=lambda: neutralize(status()), prompt_continuation=lambda width, *_: "…".rjust(width - 1) + " ",
            input=keyboard, output=screen,
        )

    @property
    def keyboard(self) -> Input:
        return self.prompt.app.input

    async def read(self) -> str | None:
        """The next line; None when the user quits (Ctrl+D on an empty line)."""
        while True:
            try:
                return await self._prompt(lambda: f"{self._mode()} ❯ ")
            except KeyboardInterrupt:  # Ctrl+C at the prompt: a fresh, empty line
                continue
            except EOFError:
                return None

    async def ask(self, question: str) -> str | None:
        try:
            return await self._prompt(neutralize(question), "question", history=False)
        except (KeyboardInterrupt, EOFError):
            return None

    async def edit(self, text: str) -> str | None:
        """`text` in the input to edit (/edit); what the user sends, or None when they cancel (Ctrl+C, Ctrl+D)."""
        try:
            return await self._prompt(lambda: f"{self._mode()} ✎ ", default=text)
        except (KeyboardInterrupt, EOFError):
            return None

    def _mode(self) -> str:
        """Read at every redraw: the session's mode once it is open (a resumed one may differ from the settings')."""
        session = self.session()
        return neutralize(session.mode if session is not None else self.mode)

    async def drawn(self) -> None:
        """Until the prompt has been drawn (at most DRAWN_TIMEOUT s): work started before then would slow the drawing."""
        shown = asyncio.Event()

        def on_render(_app: object) -> None:
            shown.set()

        self.prompt.app.after_render += on_render
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(shown.wait(), DRAWN_TIMEOUT)
        finally:
            self.prompt.app.after_render -= on_render

    def copy(self, text: str) -> None:
        """Ask the terminal to put `text` on the clipboard (OSC 52); ValueError says why it cannot."""
        write_clipboard(self.prompt.app.output, text)

    async def _prompt(self, message: str | Callable[[], str], what: str = "prompt", history: bool = True, default: str = "") -> str:
        def started() -> None:
            self.waiting_for = what

        try:
            if history:
                return await self.prompt.prompt_async(message, pre_run=started, default=default)
            plain: PromptSession[str] = PromptSession(input=self.keyboard, output=self.prompt.app.output)
            return await plain.prompt_async(message, pre_run=started)
        finally:
            self.waiting_for = None

    async def approve(self, request: ApprovalRequest) -> Decision | None:
        """None: the user pressed Ctrl+C, which also stops the turn."""
        def started() -> None:
            self.waiting_for = "approval"

        try:
            return await ask_decision(request, self.keyboard, self.prompt.app.output, started)
        except EOFError:  # the input is gone: nobody can answer
            return None
        finally:
            self.waiting_for = None

    async def fill_form(self, request: ElicitationRequest) -> FormAnswer:
        try:
            return await fill_form(request, self._keys("question"))
        except (EOFError, FormError):  # the input is gone, or no form fits: nobody can answer
            return FormAnswer("cancel")
        finally:
            self.waiting_for = None

    async def allow_sampling(self, request: SamplingRequest) -> bool:
        try:
            return await allow_sampling(request, self._keys("approval"))
        except EOFError:
            return False
        finally:
            self.waiting_for = None

    def _keys(self, what: str) -> Keys:
        def started() -> None:
            self.waiting_for = what

        return Keys(self.keyboard, self.prompt.app.output, started)

    def during_turn(self, interrupt: Callable[[], None]) -> AbstractContextManager:
        return watch_turn_keys(self.keyboard, interrupt)

    async def above_prompt(self, show: Callable[[], None]) -> None:
        """Print while the prompt is up: it is hidden, `show` runs, and it is drawn again."""
        await run_in_terminal(show)
