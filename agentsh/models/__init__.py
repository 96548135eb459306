"""Model clients by name: `offline` is built in; anything else goes through litellm."""

from __future__ import annotations

from .base import ModelClient, ModelRequest, ModelResponse, ModelSettings, complete
from .fallback import FallbackModel, model_chain
from .offline import OfflineModel

__all__ = ["ModelClient", "ModelRequest", "ModelResponse", "ModelSettings", "accepts_images", "complete", "model_label", "resolve_model"]


def resolve_model(name: str, settings: ModelSettings | None = None) -> ModelClient:
    chain = model_chain(name)
    if len(chain) > 1:
        return FallbackModel([resolve_model(part, settings) for part in chain])
    if name == OfflineModel.name:
        return OfflineModel()
    from .litellm import LiteLLMModel  # litellm itself is imported on the first call, not here

    return LiteLLMModel(name, settings)


def model_label(name: str) -> str:
    """A model's name as the UIs show it: the built-in model says what it is."""
    return "offline (built-in)" if name == OfflineModel.name else name


def accepts_images(name: str) -> bool:
    """Whether the model takes images as attachments; asks litellm (imported now) only about a litellm model."""
    name = (model_chain(name) or [name])[0]  # a fallback list: what its first model takes
    if name == OfflineModel.name or name.startswith("scripted"):
        return False
    from .litellm import supports_images

    return supports_images(name)
