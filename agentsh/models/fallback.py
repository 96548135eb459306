"""Fallback models: `model = ["a", "b"]` (or `--model a,b`) tries each in order.

A model that fails after its own retries in a way another model may not (a rate limit, an
outage or lost connection, a refused response format) hands the same request to the next one,
with a notice. Each answer's `ModelResponse.model` names the model that gave it, so usage and
cost land under that model. A failure after text was shown, or of another kind (a refused key,
an invalid request), is raised as it is: the next model would not be asked the same thing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..errors import ModelConnectionError, ModelError, ResponseFormatError
from ..events import Notice, TextDelta
from .base import ModelClient, ModelRequest, StreamItem

SEPARATOR = ","


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

    def __init__(self, clients: list[ModelClient]) -> None:
        self.clients = clients
        self.name = SEPARATOR.join(client.name for client in clients)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        for index, client in enumerate(self.clients):
            shown = False
            try:
                async for item in client.stream(request):
                    shown = shown or isinstance(item, TextDelta)
                    yield item
                return
            except ModelError as error:
                following = self.clients[index + 1] if index + 1 < len(self.clients) else None
                if following is None or shown or not falls_back(error):
                    raise
                yield Notice(message=f"{client.name} failed ({error}); trying {following.name}", level="warning")
