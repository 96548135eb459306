"""A session's remote agents: each one's card fetched once (per address and credentials), then reused."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the SDK is imported on the first remote call
    import ssl

    import httpx
    from a2a.types.a2a_pb2 import AgentCard

    from .settings import RemoteAgent


class RemoteAgents:
    """Held by the session, shared by every turn: a remote agent's card is asked for once per session."""

    def __init__(self) -> None:
        self._cards: dict[Any, AgentCard] = {}
        self._locks: dict[Any, asyncio.Lock] = {}  # one per card: two branches asking the same agent fetch it once
        self.fetches = 0  # how many cards were fetched (a card fetched again would be a wasted round trip)
        self._tls: ssl.SSLContext | None = None

    @property
    def tls(self) -> ssl.SSLContext:
        """One TLS context for every call: building one (the CA bundle read) costs more than a local agent's answer."""
        if self._tls is None:
            import httpx

            self._tls = httpx.create_ssl_context()
        return self._tls

    async def card(self, agent: RemoteAgent, http: httpx.AsyncClient) -> AgentCard:
        from a2a.client import A2ACardResolver

        async with self._locks.setdefault(agent.key, asyncio.Lock()):
            if agent.key not in self._cards:
                self._cards[agent.key] = await A2ACardResolver(http, agent.url).get_agent_card()
                self.fetches += 1
            return self._cards[agent.key]

    def forget(self, agent: RemoteAgent) -> None:
        """The card is stale (the agent moved, or refused it): the next call fetches it again."""
        self._cards.pop(agent.key, None)
