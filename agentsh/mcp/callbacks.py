"""What agentsh answers when a server asks something of the client (kept apart from connection.py, which
imports the MCP SDK: a session with no server configured never imports it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp.client.session import ElicitationFnT, ListRootsFnT, LoggingFnT, SamplingFnT


@dataclass
class ServerCallbacks:
    """What agentsh answers when a server asks something of the client; None: "not supported"."""

    sampling: SamplingFnT | None = None
    elicitation: ElicitationFnT | None = None
    list_roots: ListRootsFnT | None = None
    logging: LoggingFnT | None = None
