"""How full the model's context is, for the status bar: an estimate when a session opens, then what
each model call of a turn reported; the model's window read once per model, off the UI loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..errors import AgentshError

if TYPE_CHECKING:
    from ..session import Session
    from .app import AgentshApp


class ContextGauge:
    def __init__(self) -> None:
        self.used: int | None = None
        self.windows: dict[str, int | None] = {}
        self._measuring: set[str] = set()

    def window_of(self, model: str) -> int | None:
        return self.windows.get(model)

    def estimate(self, session: Session, reported: int | None = None) -> None:
        """Blocking: the fill of the next request, as /status and /context estimate it, or what the model
        reported reading and writing in the turn just done when that is more."""
        try:
            estimated: int | None = session.context_fill()
        except AgentshError:  # a gauge is never worth an error: the figure just stays unknown
            estimated = None
        self.used = max(filter(None, (estimated, reported)), default=None)

    def after_turn(self, app: AgentshApp, session: Session, reported: int | None) -> None:
        """On the UI loop, as /status estimates: the estimate reads the store, and a thread reading it while
        the loop writes (the next turn, quitting) would break the one connection's transactions. The next
        turn reads the same history when it starts, then from the session's cache."""
        self.estimate(session, reported)
        if app.session is session:
            app.refresh_status()

    def measure(self, app: AgentshApp, session: Session) -> None:
        """Once per model, once its session's history is loaded: read the model's window, off the UI loop."""
        model = session.record.model
        if model in self.windows or model in self._measuring or not app.history_ready.is_set():
            return
        self._measuring.add(model)
        app.run_worker(self._measure(app, session, model), group="context")

    async def _measure(self, app: AgentshApp, session: Session, model: str) -> None:
        try:
            self.windows[model] = await asyncio.to_thread(session.context_window)
        except AgentshError:
            self.windows[model] = None
        finally:
            self._measuring.discard(model)
        if app.session is session:
            app.refresh_status()
