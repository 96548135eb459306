"""What a remote agent's profile says, resolved for one call: its address, headers (with ${VAR}s filled) and timeout."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import RemoteAgentError
from ..profiles import AgentProfile

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEFAULT_TIMEOUT = 600.0  # seconds a remote agent may stay silent (a long task streams nothing for a while)
CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class RemoteAgent:
    name: str
    url: str
    headers: dict[str, str]
    timeout: float

    @classmethod
    def of(cls, profile: AgentProfile, environ: Mapping[str, str]) -> RemoteAgent:
        headers = {key: _filled(profile.name, key, value, environ) for key, value in (profile.headers or {}).items()}
        return cls(profile.name, (profile.url or "").rstrip("/"), headers, profile.timeout or DEFAULT_TIMEOUT)

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Which card is whose: the same address asked with other credentials may describe itself otherwise."""
        return self.url, tuple(sorted(self.headers.items()))


def _filled(agent: str, header: str, value: str, environ: Mapping[str, str]) -> str:
    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise RemoteAgentError(
                f"agent {agent!r}: headers.{header} uses ${{{name}}}, which is not set in the environment "
                f"(export {name}, or change [agents.{agent}] headers)"
            )
        return environ[name]

    return VARIABLE.sub(variable, value)
