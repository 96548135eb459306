"""Remote A2A agents as profiles: `[agents.NAME] url = "http://host:port"`.

Wherever a profile runs (agent/nesting.py), a remote one is sent the request with the official
`a2a-sdk` client: its answer streams back as the profile's output, its status messages as steps,
and every failure is one RemoteAgentError line. `RemoteAgents` is a session's: each agent's card
is fetched once and reused. The SDK is imported on the first remote call, not with this package.
"""

from __future__ import annotations

from .agents import RemoteAgents
from .run import run_remote

__all__ = ["RemoteAgents", "run_remote"]
