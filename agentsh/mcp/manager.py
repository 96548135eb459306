"""Every configured MCP server of a session: started together in the background, their tools as one source.

The manager is a tool source of the session's plugin loader (`stamp`, `tools`, `news`): the
registry is rebuilt when a server's tools change (ready, gone with a crash, back, list_changed),
before the next model call, like a changed plugin file. What happens to a server outside a turn
(it failed, it came back) goes to the subscribers as a `Notice`.
"""

from __future__ import annotations

import asyncio
import atexit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ToolError
from ..events import Event, Notice
from ..plugin_loader.loader import PluginChange
from ..tools.context import progress_reporter
from ..tools.tool import Tool
from .callbacks import ServerCallbacks
from .config import ServerEntry
from .processes import stop_groups

if TYPE_CHECKING:  # the SDK is imported only when a server is configured: a session without one never pays for it
    import mcp_types as types
    from mcp import ClientSession

    from .connection import Connection

Listener = Callable[[Event], None]


@dataclass(frozen=True)
class ServerStatus:
    """One server as /mcp and `agentsh mcp list` show it."""

    name: str
    state: str  # starting, ready, failed, stopped
    summary: str  # "ready with 2 tools", "failed: command not found: ..."
    transport: str
    target: str  # the command line or the URL
    tools: tuple[str, ...]  # agentsh names
    pid: int | None
    log: Path | None
    origin: Path


class McpManager:
    def __init__(self, entries: list[ServerEntry], log_dir: Path, notices: list[str] | None = None) -> None:
        self.notices = list(notices or [])  # shown when the session opens (a project's servers not used)
        # What a server may ask of the client, per server: sampling, elicitation, roots (filled in by their features).
        self.callbacks_for: Callable[[str], ServerCallbacks] = lambda name: ServerCallbacks()
        self.connections = self._connections(entries, log_dir)
        self._listeners: list[Listener] = []
        self._news: list[PluginChange] = []
        self._tools: dict[str, tuple[int, list[Tool]]] = {}
        self._failing: set[str] = set()
        self._restarting: set[str] = set()  # servers the user restarted (/mcp restart): told once they are ready
        self._started = False
        self._closed = False

    def _connections(self, entries: list[ServerEntry], log_dir: Path) -> dict[str, Connection]:
        if not entries:
            return {}
        from .connection import Connection

        return {e.name: Connection(e, log_dir, self._callbacks, self._changed) for e in entries}

    # lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start every server in the background (needs a running event loop); at most once."""
        if self._started or self._closed:
            return
        self._started = True
        if self.connections:
            atexit.register(self._stop_leftovers)
        for connection in self.connections.values():
            connection.start()

    def starting(self) -> list[str]:
        return [c.name for c in self.connections.values() if c.state == "starting"]

    async def wait_for_starting(self, notify: Callable[[str], None]) -> None:
        """Wait for the servers still starting (each at most its startup_timeout), telling `notify` which."""
        self.start()
        waiting = [c for c in self.connections.values() if c.state == "starting"]
        if not waiting:
            return
        notify(f"waiting for MCP server{'s' if len(waiting) > 1 else ''} to start: {', '.join(c.name for c in waiting)}")
        await asyncio.gather(*(c.wait_settled(c.entry.config.startup_timeout) for c in waiting))

    def restart(self, name: str) -> None:
        self.start()
        self._restarting.add(name)
        self.connection(name).restart()

    async def aclose(self) -> None:
        """Stop every server process (each connection closes; the SDK stops its process group)."""
        self._closed = True
        await asyncio.gather(*(c.stop() for c in self.connections.values()))

    def _stop_leftovers(self) -> None:
        """At exit: a server whose connection was never closed (the loop ended first) is stopped anyway."""
        stop_groups([c.pid for c in self.connections.values() if c.pid is not None])

    # what the session asks ------------------------------------------------------------

    def connection(self, name: str) -> Connection:
        found = self.connections.get(name)
        if found is None:
            known = ", ".join(self.connections) or "none are configured"
            raise KeyError(f"no MCP server named {name!r} ({known})")
        return found

    def client_session(self, name: str) -> ClientSession | None:
        """The live ClientSession of server `name` while it is ready (for prompts and resources), else None."""
        return self.connection(name).session

    def statuses(self) -> list[ServerStatus]:
        return [self._status(c) for c in self.connections.values()]

    def _status(self, c: Connection) -> ServerStatus:
        config = c.entry.config
        return ServerStatus(
            name=c.name, state=c.state, summary=c.describe(), transport=config.transport, target=config.target(),
            tools=tuple(t.name for t in self._tools_of(c)), pid=c.pid,
            log=c.log_path if config.transport == "stdio" else None, origin=c.entry.origin,
        )

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # the loader's tool source ----------------------------------------------------------

    def stamp(self) -> tuple[int, ...]:
        return tuple(c.generation for c in self.connections.values())

    def tools(self) -> list[Tool]:
        return [t for c in self.connections.values() for t in self._tools_of(c)]

    def news(self) -> list[PluginChange]:
        news, self._news = self._news, []
        return news

    def _tools_of(self, c: Connection) -> list[Tool]:
        cached = self._tools.get(c.name)
        if cached is None or cached[0] != c.generation:
            from .tools import make_tools

            config = c.entry.config
            built = make_tools(c.name, c.tools, self._caller(c.name), config.allow, config.tools, config.timeout)
            cached = self._tools[c.name] = (c.generation, built)
        return cached[1]

    def _caller(self, name: str) -> Any:
        async def call(tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
            return await call_tool(self.connection(name), tool, arguments)

        return call

    def _callbacks(self, name: str) -> ServerCallbacks:
        return self.callbacks_for(name)

    # what the servers do ----------------------------------------------------------------

    def _changed(self, c: Connection, what: str) -> None:
        if what == "failed" and c.name not in self._failing:
            self._failing.add(c.name)
            self._tell(f"MCP server {c.name} {c.describe()}", "warning")
        elif what == "ready" and c.name in self._failing:
            self._failing.discard(c.name)
            self._restarting.discard(c.name)
            self._tell(f"MCP server {c.name} is back: {c.describe()}", "info")
        elif what == "ready" and c.name in self._restarting:  # the user asked for it (/mcp restart): say it is done
            self._restarting.discard(c.name)
            self._tell(f"MCP server {c.name} restarted: {c.describe()}", "info")
        elif what == "tools changed":
            self._news.append(PluginChange(f"MCP server {c.name}: tools changed, now {len(c.tools)}"))
        elif what.startswith("could not"):
            self._news.append(PluginChange(f"MCP server {c.name} {what}", "warning"))

    def _tell(self, message: str, level: str) -> None:
        event = Notice(message=message, level="warning" if level == "warning" else "info")
        for listener in list(self._listeners):
            listener(event)


async def call_tool(connection: Connection, tool: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """Call `tool` on the server; its progress goes to the tool's block. Cancelling this sends the server a cancellation."""
    session = await _live_session(connection)

    from mcp.shared.exceptions import MCPError
    from mcp_types import CallToolResult

    report = progress_reporter()  # the SDK calls back from its own task, outside this call's context

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        report(progress, total, message)

    try:
        result = await session.call_tool(tool, arguments, progress_callback=progress)
    except MCPError as error:
        raise ToolError(f"MCP server {connection.name}: {error}") from None
    await connection.tools_settled()
    if not isinstance(result, CallToolResult):
        raise ToolError(f"MCP server {connection.name} answered {tool} with something that is not a tool result")
    return result


RETRY_PATIENCE = 5.0  # seconds: a call waits for a crashed server's restart when it is due this soon


async def _live_session(connection: Connection) -> ClientSession:
    """The server's session; a server (re)starting at the moment of the call (it went away while you were
    approving the call, or /mcp restart), or whose restart after a crash is due within RETRY_PATIENCE, is waited
    for, at most its startup_timeout, as a turn waits for one."""
    if connection.session is None and connection.state == "failed":
        await connection.next_start(RETRY_PATIENCE)  # it crashed a moment ago: its restart is due in a second or two
    if connection.session is None and connection.state == "starting":
        await connection.wait_settled(connection.entry.config.startup_timeout)
    session = connection.session
    if session is None:
        raise ToolError(f"MCP server {connection.name} is not available ({connection.describe()}); try again later or /mcp")
    return session
