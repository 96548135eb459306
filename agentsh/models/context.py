"""How many tokens a model can read, from litellm's model data (None when litellm does not know it)."""

from __future__ import annotations

from functools import lru_cache

BUILTIN = {"offline", "scripted"}


@lru_cache(maxsize=64)
def context_window(model_name: str) -> int | None:
    if model_name in BUILTIN:
        return None
    from .litellm import load_litellm

    try:
        info = load_litellm().get_model_info(model_name)
    except Exception:  # a model litellm has no data for (a local server, a new release)
        return None
    window = info.get("max_input_tokens") or info.get("max_tokens")
    return int(window) if window else None
