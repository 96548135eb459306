"""Runs the user's messages as turns, one at a time, in a worker.

A message sent while the session opens, while litellm loads or while another turn runs
waits in a queue and is shown as waiting; nothing typed is lost. Esc cancels the running
turn (the session saves the partial answer, marked interrupted) and puts the queued
messages back in the input. Quitting cancels and waits until the turn is saved.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager, suppress
from typing import TYPE_CHECKING

from textual.worker import Worker

from ..errors import AgentshError
from .history import CONTINUE_COMMAND
from .turn_view import TurnView
from .widgets.messages import NoticeLine, UserMessage

if TYPE_CHECKING:
    from ..custom_commands import TurnOptions
    from .app import AgentshApp

STOP_TIMEOUT = 10.0  # seconds quitting waits for a cancelled turn to be saved
# A burst of queued events never suspends the reader (the queue is never empty): every
# BURST_SECONDS, give the UI BREATHE_SECONDS to draw, or nothing is drawn until the burst ends.
BURST_SECONDS = 0.008
BREATHE_SECONDS = 0.002


class TurnRunner:
    def __init__(self, app: AgentshApp) -> None:
        self.app = app
        self.queue: deque[tuple[str, TurnOptions | None]] = deque()
        self.worker: Worker | None = None
        self.view: TurnView | None = None
        self.sending = False  # the session is running a turn (not just waiting to start one)
        self.cancel_requested = False

    @property
    def busy(self) -> bool:
        return self.worker is not None and not self.worker.is_finished

    def submit(self, text: str, options: TurnOptions | None = None) -> None:
        """Queue a message; CONTINUE_COMMAND queues /continue (the model goes on with its cut answer)."""
        self.queue.append((text, options))
        self.app.refresh_status()
        if not self.busy:
            self.worker = self.app.run_worker(self._drain(), group="turns", exit_on_error=True)

    async def _drain(self) -> None:
        while self.queue:
            text, options = self.queue.popleft()
            self.cancel_requested = False
            await self._turn(text, options)

    async def _turn(self, text: str, options: TurnOptions | None = None) -> None:
        message = UserMessage(text)
        message.add_class("pending")  # kept while the transcript is redrawn as the session opens
        await self.app.transcript.add(message, follow=True)
        try:
            await self._wait_until_ready()
        except asyncio.CancelledError:
            await self.app.transcript.add(NoticeLine("not sent: the message is back in the input", "warning"))
            self.app.restore_input([text])
            raise
        finally:
            message.remove_class("pending")
        await self._send(text, options)

    async def _wait_until_ready(self) -> None:
        app = self.app
        if app.session is None or not app.history_ready.is_set():
            async with self._waiting("the session is opening", "opening"):
                await app.session_ready.wait()
                await app.history_ready.wait()
        if app.warmup.pending:
            async with self._waiting("the model client (litellm) is loading", "waiting"):
                await app.warmup.wait()

    @asynccontextmanager
    async def _waiting(self, what: str, state: str) -> AsyncIterator[None]:
        """A line under the message saying what it waits for, and the same in the status bar."""
        note = NoticeLine(f"waiting to send: {what}…")
        note.add_class("pending")
        await self.app.transcript.add(note)
        self.app.refresh_status(state=state)
        try:
            yield
        finally:
            await note.remove()

    async def _send(self, text: str, options: TurnOptions | None) -> None:
        session = self.app.session
        assert session is not None  # _wait_until_ready waited for it
        try:
            turn = session.continue_answer() if text == CONTINUE_COMMAND else session.send(text, options)
        except AgentshError as error:  # nothing to continue (any more)
            await self.app.transcript.add(NoticeLine(str(error), "error"))
            return
        record = session.record
        before = (record.cost, record.prompt_tokens + record.completion_tokens)
        self.view = view = TurnView(self.app.transcript, self.app.notify_plain, self.app.ask_approval, before)
        self.sending = True
        self.app.refresh_status(state="running")
        try:
            async with aclosing(turn) as events:
                last_yield = time.monotonic()
                async for event in events:
                    if self.cancel_requested:
                        session.cancel()
                    await view.show(event)
                    self.app.turn_progress(view, event)
                    if time.monotonic() - last_yield > BURST_SECONDS:
                        await asyncio.sleep(BREATHE_SECONDS)
                        last_yield = time.monotonic()
        finally:
            self.sending, self.view = False, None
            self.app.turn_finished(view)

    def cancel(self) -> bool:
        """Esc: stop the running turn, or the wait before it. False when nothing runs."""
        if not self.busy:
            return False
        queued, self.queue = list(self.queue), deque()
        if queued:
            self.app.restore_input(text for text, _ in queued)
        self.cancel_requested = True
        if self.sending and self.app.session is not None:
            self.app.session.cancel()
        elif self.worker is not None:
            self.worker.cancel()
        return True

    async def stop(self) -> None:
        """Cancel whatever runs and wait until the turn is saved."""
        if self.cancel():
            worker = self.worker
            assert worker is not None  # cancel() found it busy
            with suppress(Exception):  # cancelled or failed: either way it no longer runs
                await asyncio.wait_for(worker.wait(), STOP_TIMEOUT)
