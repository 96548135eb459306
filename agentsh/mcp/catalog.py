"""What each ready MCP server offers besides tools: its prompts and its resources, listed once per connection
and again whenever the server says they changed (prompts/list_changed, resources/list_changed).

Slash commands and completion are synchronous, and listing is not: `sync()` (cheap, called whenever a UI
asks) starts a listing for each server that came up, reconnected or changed its offer since it was last listed, and answers
from what is known now; `refreshed()` waits for the listings under way. A server that does not declare
prompts or resources is not asked for them.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .manager import McpManager

if TYPE_CHECKING:
    import mcp_types as types
    from mcp import ClientSession

MAX_LISTED = 1000  # prompts or resources kept per server: a server that lists more is cut there
MAX_PAGES = 20


@dataclass
class Offer:
    """One server's prompts and resources, from one connection."""

    prompts: list[types.Prompt] = field(default_factory=list)
    resources: list[types.Resource] = field(default_factory=list)


class McpCatalog:
    def __init__(self, manager: McpManager) -> None:
        self.manager = manager
        self.offers: dict[str, Offer] = {}
        self._listed: dict[str, tuple[int, int]] = {}  # server -> (id of the ClientSession, its offers_changed) it was listed at
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def sync(self) -> None:
        """List every ready server not listed on its current connection yet (in the background)."""
        for name, connection in self.manager.connections.items():
            session = connection.session
            if session is None or connection.state != "ready":
                self.offers.pop(name, None)
                continue
            listing = (id(session), connection.offers_changed)
            if self._listed.get(name) != listing and name not in self._tasks:
                with suppress(RuntimeError):  # no running loop (a command line): nothing to list with
                    self._tasks[name] = asyncio.get_running_loop().create_task(self._list(name, session, listing))

    async def refreshed(self) -> None:
        """Wait until the servers that are ready have been listed."""
        self.sync()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def prompts(self) -> dict[str, tuple[str, types.Prompt]]:
        """Every prompt as its command name, SERVER:PROMPT → (server, prompt)."""
        self.sync()
        return {f"{server}:{p.name}": (server, p) for server, offer in self.offers.items() for p in offer.prompts}

    def resources(self) -> dict[str, list[types.Resource]]:
        self.sync()
        return {server: offer.resources for server, offer in self.offers.items()}

    async def _list(self, name: str, session: ClientSession, listing: tuple[int, int]) -> None:
        try:
            capabilities = session.server_capabilities
            offer = Offer(
                prompts=await _all(session.list_prompts, "prompts") if capabilities and capabilities.prompts else [],
                resources=await _all(session.list_resources, "resources") if capabilities and capabilities.resources else [],
            )
            self.offers[name], self._listed[name] = offer, listing
        except Exception:  # a server that fails to list offers nothing; its tools still work
            self.offers[name], self._listed[name] = Offer(), listing
        finally:
            self._tasks.pop(name, None)


async def _all(method, key: str) -> list:
    """Every page of a listing (at most MAX_PAGES, MAX_LISTED items)."""
    from mcp_types import PaginatedRequestParams

    found: list = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await method(params=PaginatedRequestParams(cursor=cursor)) if cursor else await method()
        found += getattr(page, key)
        cursor = page.next_cursor
        if not cursor or len(found) >= MAX_LISTED:
            break
    return found[:MAX_LISTED]
