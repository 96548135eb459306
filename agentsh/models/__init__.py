"""Model clients by name: `offline` is built in; anything else goes through litellm."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ModelClient, ModelRequest, ModelResponse, complete
from .offline import OfflineModel

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["ModelClient", "ModelRequest", "ModelResponse", "complete", "model_label", "resolve_model"]


def resolve_model(name: str, settings: "Settings | None" = None) -> ModelClient:
    if name == OfflineModel.name:
        return OfflineModel()
    from .litellm import LiteLLMModel  # litellm itself is imported on the first call, not here

    return LiteLLMModel(name, settings)


def model_label(name: str) -> str:
    """A model's name as the UIs show it: the built-in model says what it is."""
    return "offline (built-in)" if name == OfflineModel.name else name
