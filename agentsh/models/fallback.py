"""Fallback models: `model = ["a", "b"]` (or `--model a,b`) tries each in order.

A model that fails after its own retries in a way another model may not (a rate limit, an
outage or lost connection, a refused response format) hands the same request to the next one,
with a notice. Each answer's `ModelResponse.model` names the model that gave it, so usage and
cost land under that model. A failure after text was shown, or of another kind (a refused key,
an invalid request), is raised as it is: the next model would not be asked the same thing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from ..errors import ModelConnectionError, ModelError, ResponseFormatError
from ..events import Notice, TextDelta
from .base import ModelClient, ModelRequest, StreamItem

SEPARATOR = ","
COOLDOWN = 60.0  # seconds a model that failed is passed over (asked again only when every model is cooling down)


def model_chain(name: str) -> list[str]:
    """The models a name stands for, in order: "a,b" is a then b."""
    return [part.strip() for part in name.split(SEPARATOR) if part.strip()]


def chain_name(models: str | list[str]) -> str:
    """One name for a list of models (as the config may give it), the form stored and shown."""
    return models if isinstance(models, str) else SEPARATOR.join(part.strip() for part in models)


def falls_back(error: ModelError) -> bool:
    """Whether another model may succeed where this one failed."""
    return isinstance(error, (ModelConnectionError, ResponseFormatError)) or error.retryable


class FallbackModel:
    """A `ModelClient` over several: the first that answers gives the response."""

    def __init__(self, clients: list[ModelClient], clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = clients
        self.name = SEPARATOR.join(client.name for client in clients)
        self._clock = clock
        self._failed_at: dict[int, float] = {}  # by position: when it last failed (so later calls of the turn skip it)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        order = self._order()
        for place, index in enumerate(order):
            client, shown = self.clients[index], False
            try:
                async for item in client.stream(request):
                    shown = shown or isinstance(item, TextDelta)
                    yield item
                self._failed_at.pop(index, None)
                return
            except ModelError as error:
                handed_on = falls_back(error) and not shown
                if handed_on:
                    self._failed_at[index] = self._clock()
                following = self.clients[order[place + 1]] if place + 1 < len(order) else None
                if following is None or not handed_on:
                    raise
                yield Notice(message=f"{client.name} failed ({error}); trying {following.name}", level="warning")

    def _order(self) -> list[int]:
        """The models in their order, those that failed within COOLDOWN last (still tried when nothing else answers)."""
        now = self._clock()
        cooling = {i for i, at in self._failed_at.items() if now - at < COOLDOWN}
        return [i for i in range(len(self.clients)) if i not in cooling] + sorted(cooling)
