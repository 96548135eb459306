"""The plain REPL without a terminal: lines from a pipe or a file, one turn or command each.

`printf 'hello\\n/mode chat\\n' | agentsh --plain` runs each line and exits at the end of
its input. A line ending in a backslash continues on the next one. Nothing can be
asked, so a tool that needs approval is denied (start with --yes to allow such tools).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TextIO

from ..events import ApprovalRequest, ElicitationRequest, SamplingRequest
from ..forms import FormAnswer
from ..terminal import clipboard_sequence
from ..tools.approval import Decision
from .keys import interrupt_on_sigint


class LineTerminal:
    can_ask = False
    echo = True  # the input was not shown: repeat each line so the transcript reads as a conversation

    def __init__(self, source: TextIO, prompt: TextIO | None = None) -> None:
        self.source = source
        self.prompt = prompt  # where to show a "> " prompt when a person types into a pipe
        self.waiting_for: str | None = None

    async def read(self) -> str | None:
        lines: list[str] = []
        while True:
            line = self._readline()
            if line is None:
                return "\n".join(lines) if lines else None
            if not line.endswith("\\"):
                return "\n".join([*lines, line])
            lines.append(line[:-1])

    async def edit(self, text: str) -> str | None:
        """Nothing to edit in on a pipe: the caller says to type /edit NEW TEXT."""
        return None

    def copy(self, text: str) -> None:
        """OSC 52 on standard output when it is a terminal; ValueError says why not."""
        sequence = clipboard_sequence(text)
        if not sys.stdout.isatty():
            raise ValueError("the output is not a terminal")
        sys.stdout.write(sequence)
        sys.stdout.flush()

    def _readline(self) -> str | None:
        if self.prompt is not None:
            self.prompt.write("> ")
            self.prompt.flush()
        line = self.source.readline()
        if not line:
            return None
        return line.removesuffix("\n").removesuffix("\r").replace("\x00", "\ufffd")

    async def ask(self, question: str) -> str | None:
        return None

    async def approve(self, request: ApprovalRequest) -> Decision | None:
        return Decision.DENY

    async def fill_form(self, request: ElicitationRequest) -> FormAnswer:
        return FormAnswer("cancel")

    async def allow_sampling(self, request: SamplingRequest) -> bool:
        return False

    def during_turn(self, interrupt: Callable[[], None]) -> AbstractContextManager:
        return interrupt_on_sigint(interrupt)

    async def above_prompt(self, show: Callable[[], None]) -> None:
        show()
        await asyncio.sleep(0)
