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

    def estimate(self, session: Session) -> None:
        """Blocking (the app calls it in the thread that reads the history): the fill before any turn."""
        try:
            self.used = session.context_fill()
        except AgentshError:  # a gauge is never worth an error: the figure just stays unknown
            self.used = None

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
