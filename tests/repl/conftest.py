"""Drive the plain REPL headless: prompt-toolkit pipe input, DummyOutput, transcript in a string."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from agentsh.repl.prompt import PromptTerminal
from agentsh.repl.render import TranscriptPrinter
from agentsh.repl.shell import Repl
from agentsh.session import Session

TIMEOUT = 5.0


async def until(condition: Callable[[], bool], timeout: float = TIMEOUT, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


class Driver:
    """A running REPL; type into it and read what it printed."""

    def __init__(self, session: Session, history: Path, pipe, plugin_poll: float = 0.05, live: bool = False) -> None:
        self.pipe = pipe
        self.out = io.StringIO()
        self.prompts = 0  # how many times the REPL has asked for a line
        self.terminal = PromptTerminal(
            history, session=lambda: self.repl.session, status=lambda: self.repl.status(), keyboard=pipe, screen=DummyOutput(),
        )
        self.repl = Repl(session, self.terminal, TranscriptPrinter(self.out, live=live), plugin_poll=plugin_poll)
        self._count_prompts()
        self.task: asyncio.Task | None = None

    def _count_prompts(self) -> None:
        read = self.terminal.read

        async def counted() -> str | None:
            self.prompts += 1
            return await read()

        self.terminal.read = counted

    @property
    def text(self) -> str:
        return self.out.getvalue()

    @property
    def session(self) -> Session:
        return self.repl.session

    async def start(self) -> Driver:
        self.task = asyncio.create_task(self.repl.run())
        await self.at_prompt(1)
        return self

    async def at_prompt(self, count: int | None = None) -> None:
        wanted = self.prompts if count is None else count
        await until(lambda: self.prompts == wanted and self.terminal.waiting_for == "prompt", what=f"prompt #{wanted}")

    async def asked(self, what: str = "approval") -> None:
        await until(lambda: self.terminal.waiting_for == what, what=what)

    def send(self, keys: str) -> None:
        self.pipe.send_text(keys)

    async def submit(self, line: str) -> str:
        """Type a line, press Enter, wait for the next prompt; returns what was printed meanwhile."""
        await self.at_prompt()
        before, count = len(self.text), self.prompts
        self.send(line + "\r")
        await self.at_prompt(count + 1)
        return self.text[before:]

    async def wait_for_text(self, needle: str, timeout: float = TIMEOUT) -> None:
        await until(lambda: needle in self.text, timeout, what=repr(needle))

    async def quit(self) -> int:
        await self.at_prompt()
        self.send("\x04")
        return await asyncio.wait_for(self.task, TIMEOUT)


@pytest.fixture
def pipe():
    with create_pipe_input() as keyboard:
        yield keyboard


@pytest.fixture
async def drive(home, pipe):
    """`await drive(session)` starts a REPL on `session`; it is stopped after the test."""
    drivers: list[Driver] = []

    async def start(session: Session, history: Path | None = None, **options) -> Driver:
        driver = Driver(session, history or home / "repl_history", pipe, **options)
        drivers.append(driver)
        return await driver.start()

    yield start
    for driver in drivers:
        if driver.task is not None and not driver.task.done():
            driver.task.cancel()
            await asyncio.gather(driver.task, return_exceptions=True)


@pytest.fixture(autouse=True)
def answers_count_at_once(monkeypatch):
    """The harness answers as soon as a question is asked; the arming delay itself is case 43's."""
    monkeypatch.setattr("agentsh.repl.approval.ARMING_DELAY", 0.0)
