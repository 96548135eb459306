"""Keep provider keys out of everything agentsh stores, prints or sends on.

A key lives in its provider's environment variable and nowhere else. Text that may quote
one (a provider's error message, a tool's output such as `env`) passes through
`redact_secrets` before it is shown, stored or sent to a model.
"""

from __future__ import annotations

import os

_SECRET_NAMES = ("KEY", "TOKEN", "SECRET", "PASSWORD")
MIN_SECRET_LENGTH = 8  # shorter values would replace ordinary words


def secret_values() -> list[str]:
    """The values of the environment variables that look like credentials, longest first."""
    values = {
        value for name, value in os.environ.items()
        if len(value) >= MIN_SECRET_LENGTH and any(part in name.upper() for part in _SECRET_NAMES)
    }
    return sorted(values, key=len, reverse=True)


def redact_secrets(text: str) -> str:
    """Replace any credential found in the environment with ***."""
    for value in secret_values():
        if value in text:
            text = text.replace(value, "***")
    return text
