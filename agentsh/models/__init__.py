"""Model clients by name: `offline` is built in; anything else goes through litellm.

The package imports nothing on its own (PEP 562): a UI can load `models.warmup` before its first paint
without building the message models (pydantic) that the clients use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import ModelClient, ModelRequest, ModelResponse, ModelSettings, complete

__all__ = ["ModelClient", "ModelRequest", "ModelResponse", "ModelSettings", "accepts_images", "complete", "model_label", "resolve_model"]

OFFLINE = "offline"  # the built-in model's name (OfflineModel.name), known without importing it
_FROM_BASE = {"ModelClient", "ModelRequest", "ModelResponse", "ModelSettings", "complete"}


def __getattr__(name: str) -> Any:
    if name in _FROM_BASE:
        return getattr(importlib.import_module(".base", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resolve_model(name: str, settings: ModelSettings | None = None) -> ModelClient:
    from .fallback import FallbackModel, model_chain
    from .offline import OfflineModel

    chain = model_chain(name)
    if len(chain) > 1:
        return FallbackModel([resolve_model(part, settings) for part in chain])
    if name == OfflineModel.name:
        return OfflineModel()
    from .litellm import LiteLLMModel  # litellm itself is imported on the first call, not here

    return LiteLLMModel(name, settings)


def model_label(name: str) -> str:
    """A model's name as the UIs show it: the built-in model says what it is."""
    return "offline (built-in)" if name == OFFLINE else name


def accepts_images(name: str) -> bool:
    """Whether the model takes images as attachments; asks litellm (imported now) only about a litellm model."""
    from .fallback import model_chain

    name = (model_chain(name) or [name])[0]  # a fallback list: what its first model takes
    if name == OFFLINE or name.startswith("scripted"):
        return False
    from .litellm import supports_images

    return supports_images(name)
