"""What a client checks before it hands a turn to a running service: the protocol and the environment's fingerprint."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

PROTOCOL = 1
_SUFFIXES = ("_API_KEY", "_API_BASE", "_BASE_URL", "_API_VERSION")
_PREFIXES = ("OPENAI_", "ANTHROPIC_", "AZURE_", "GEMINI_", "OLLAMA_", "LITELLM_", "AGENTSH_")
_NAMES = {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "HOME", "TZ"}


def decides_a_turn(name: str) -> bool:
    return name.endswith(_SUFFIXES) or name.startswith(_PREFIXES) or name in _NAMES


def env_fingerprint(environ: Mapping[str, str]) -> str:
    """sha256 over the sorted (name, value) pairs of the variables that decide what a turn does (keys, servers, homes)."""
    digest = hashlib.sha256()
    for name, value in sorted((n, v) for n, v in environ.items() if decides_a_turn(n)):
        digest.update(f"{len(name)}:{name}={len(value)}:{value}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
