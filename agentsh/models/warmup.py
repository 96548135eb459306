"""Load litellm in a background thread once a shell's prompt is on screen (the TUI's first
page, the plain REPL's prompt), so a first message to a real model does not pay its ~2.5 s
import; a message sent earlier waits for it visibly."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from .daemon import in_daemon_thread


def load_litellm() -> None:
    from .litellm import load_litellm as load

    load()


def uses_litellm(model: Any) -> bool:
    """Whether `model` goes through litellm (its module is only imported when one does)."""
    module = sys.modules.get("agentsh.models.litellm")
    return module is not None and isinstance(model, module.LiteLLMModel)


class Warmup:
    def __init__(self, load: Callable[[], None] = load_litellm, needed: Callable[[Any], bool] = uses_litellm) -> None:
        self.load, self.needed = load, needed
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start_for(self, model: Any) -> None:
        """Start loading (once) when `model` needs it."""
        if self._thread is None and self.needed(model):
            self._thread = threading.Thread(target=self._run, name="agentsh-warmup", daemon=True)
            self._thread.start()

    @property
    def pending(self) -> bool:
        return self._thread is not None and not self.done.is_set()

    async def wait(self) -> None:
        if self.pending:
            await in_daemon_thread(self.done.wait, "agentsh-warmup-wait")

    def _run(self) -> None:
        try:
            self.load()
        except BaseException as error:  # the turn itself will report a broken install
            self.error = error
        finally:
            self.done.set()
