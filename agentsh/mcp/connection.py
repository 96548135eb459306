"""One MCP server: started, connected and listed; restarted with backoff when it fails.

A `Connection` runs in a task of its own for as long as agentsh does. Each attempt opens the
transport (a child process over stdio, or streamable HTTP / SSE), then the one `ClientSession`
(`open_client_session`: where the callbacks a server may call, sampling, elicitation, roots,
are wired in), lists the tools and waits until the connection ends. A stdio server's stderr is
appended to its log file in the data home, never to the terminal.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TextIO

import anyio
import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.session import MessageHandlerFnT
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from .callbacks import ServerCallbacks
from .config import ServerEntry, expand, expand_all
from .processes import find_marked_child

State = Literal["starting", "ready", "failed", "stopped"]
BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)  # seconds before each further restart
STABLE_AFTER = 60.0  # a server that stayed up this long starts its backoff afresh when it fails
MARKER_VARIABLE = "AGENTSH_MCP_SERVER"  # in a stdio server's environment: which child process is whose
Progress = Callable[[float, float | None, str | None], Awaitable[None]]


def open_client_session(read: Any, write: Any, callbacks: ServerCallbacks, on_message: MessageHandlerFnT) -> ClientSession:
    """The one place a ClientSession is made: every connection's callbacks come from here."""
    return ClientSession(
        read, write,
        sampling_callback=callbacks.sampling, elicitation_callback=callbacks.elicitation,
        list_roots_callback=callbacks.list_roots, logging_callback=callbacks.logging,
        message_handler=on_message, client_info=types.Implementation(name="agentsh", version=_version()),
    )


class Connection:
    def __init__(
        self, entry: ServerEntry, log_dir: Path, callbacks: Callable[[str], ServerCallbacks],
        on_change: Callable[[Connection, str], None],
    ) -> None:
        self.entry = entry
        self.log_dir = log_dir
        self.callbacks = callbacks
        self.state: State = "starting"
        self.reason = ""  # why it failed, one line
        self.tools: list[types.Tool] = []
        self.session: ClientSession | None = None  # the live session while ready (prompts, resources: mcpx)
        self.offers_changed = 0  # how many times the server said its prompts or resources changed (catalog.py lists again)
        self.pid: int | None = None
        self.restarts = 0
        self.generation = 0  # changes whenever `tools` does
        self._on_change = on_change
        self._task: asyncio.Task[None] | None = None
        self._disconnect: anyio.Event | None = None
        self._wake = asyncio.Event()
        self.retry_at: float | None = None  # when a failed server is tried again (time.monotonic), while it waits
        self._settled = asyncio.Event()
        self._relisting: asyncio.Task[None] | None = None
        self._stopping = False
        self._restart_now = False  # the user asked (/mcp restart): connect again at once, no failure reported

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def describe(self) -> str:
        """The server's state in a few words, as /mcp and `agentsh mcp list` show it."""
        if self.state == "ready":
            count = len(self.tools)
            return f"ready with {count} tool{'' if count == 1 else 's'}"
        if self.state == "failed":
            return f"failed: {self.reason}"
        return self.state

    # lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"mcp-{self.name}")

    async def wait_settled(self, timeout: float) -> bool:
        """Wait until the server is ready or has failed (not starting); False when `timeout` ran out first."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout)
        return self._settled.is_set()

    async def next_start(self, patience: float) -> None:
        """Until a failed server's next start has settled, when that start is due within `patience` seconds."""
        due = self.retry_at
        if due is None or due - time.monotonic() > patience:
            return
        while self.state == "failed" and self.retry_at == due and time.monotonic() < due + 1.0:
            await asyncio.sleep(0.05)
        if self.state == "starting":
            await self.wait_settled(self.entry.config.startup_timeout)

    def restart(self) -> None:
        """Connect afresh now: end the current connection, skip any backoff wait."""
        self._restart_now = True
        if self._disconnect is not None:
            self._disconnect.set()
        self._wake.set()

    async def stop(self) -> None:
        """End the connection and stop the server process (the SDK closes its stdin, then kills its process group)."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task
        self._set("stopped", "")

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._set("starting", "")
            began = time.monotonic()
            reason = await self._attempt()
            self._log_end("restarted on request" if self._restart_now else "stopped" if self._stopping else f"ended: {reason}")
            if self._stopping:
                break
            if self._restart_now:
                self._restart_now, failures = False, 0
                continue
            failures = 1 if time.monotonic() - began > STABLE_AFTER else failures + 1
            delay = BACKOFF[min(failures, len(BACKOFF)) - 1]
            self.restarts += 1
            self.retry_at = time.monotonic() + delay
            self._set("failed", f"{reason}; restarting in {delay:g} s")
            self._wake.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self.retry_at = None

    def _log_end(self, how: str) -> None:
        """The end of a stdio server's run in its log, under what it wrote: when, and why."""
        if self.entry.config.transport != "stdio":
            return
        with suppress(OSError), self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {how}\n")

    async def _attempt(self) -> str:
        """One connection, from start to end; why it ended, one line."""
        try:
            await self._serve()
        except asyncio.CancelledError:
            raise
        except BaseException as error:  # anything a server or transport does is a failure of that server
            return describe_failure(error, self.entry)
        finally:
            self.session, self.pid = None, None
            self._drop_tools()
        return "its process exited" if self.entry.config.transport == "stdio" else "the server closed the connection"

    async def _serve(self) -> None:
        async with AsyncExitStack() as stack:
            disconnect = self._disconnect = anyio.Event()
            read, write = await stack.enter_async_context(self._transport(stack))
            read = _Watched(read, disconnect)
            session = await stack.enter_async_context(open_client_session(read, write, self.callbacks(self.name), self._on_message))
            with anyio.fail_after(self.entry.config.startup_timeout):
                await session.initialize()
                tools = await list_all_tools(session)
            self.session = session
            self._set_tools(tools)
            self._set("ready", "")
            await disconnect.wait()

    @asynccontextmanager
    async def _transport(self, stack: AsyncExitStack) -> AsyncIterator[tuple[Any, Any]]:
        config = self.entry.config
        if config.transport == "stdio":
            log = stack.enter_context(_open_log(self.log_path, config.target()))
            marker = f"{self.name}:{os.getpid()}:{id(self)}:{time.monotonic_ns()}"
            environment = {**expand_all(config.env), MARKER_VARIABLE: marker}
            parameters = StdioServerParameters(
                command=expand(config.command or ""), args=[expand(a) for a in config.args], env=environment,
                cwd=str(Path(config.cwd).expanduser()) if config.cwd else None,
            )
            async with stdio_client(parameters, errlog=log) as streams:
                self.pid = await _marked_child(marker)
                yield streams
            return
        url = expand(config.url or "")
        if config.transport == "sse":
            async with sse_client(url, headers=expand_all(config.headers)) as streams:
                yield streams[0], streams[1]
            return
        client = create_mcp_http_client(headers=expand_all(config.headers))
        async with client, streamable_http_client(url, http_client=client) as streams:
            yield streams[0], streams[1]

    # what the server says ----------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self._relisting = asyncio.create_task(self._relist())
        elif isinstance(message, types.PromptListChangedNotification | types.ResourceListChangedNotification):
            self.offers_changed += 1

    async def _relist(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            tools = await list_all_tools(session)
        except Exception as error:  # the listing failed: keep the tools known so far, and say so
            self._on_change(self, f"could not list its changed tools: {describe_failure(error, self.entry)}")
            return
        self._set_tools(tools)
        self._on_change(self, "tools changed")

    async def tools_settled(self) -> None:
        """Wait for a re-listing the server asked for (tools/list_changed), so the next model call sees it."""
        task = self._relisting
        if task is not None and not task.done():
            with suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), self.entry.config.startup_timeout)

    # state -----------------------------------------------------------------------

    def _set(self, state: State, reason: str) -> None:
        if state == self.state and reason == self.reason:
            return
        self.state, self.reason = state, reason
        if state == "starting":
            self._settled.clear()
        else:
            self._settled.set()
        self._on_change(self, state)

    def _set_tools(self, tools: list[types.Tool]) -> None:
        self.tools = tools
        self.generation += 1

    def _drop_tools(self) -> None:
        if self.tools:
            self._set_tools([])


async def _marked_child(marker: str, tries: int = 50) -> int | None:
    """The server's process id; its environment can show the parent's for a moment after the spawn returns."""
    for _ in range(tries):
        pid = find_marked_child(MARKER_VARIABLE, marker)
        if pid is not None:
            return pid
        await asyncio.sleep(0.01)
    return None


async def list_all_tools(session: ClientSession) -> list[types.Tool]:
    """Every tool the server has, page after page."""
    tools: list[types.Tool] = []
    cursor: str | None = None
    while True:
        params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        tools += page.tools
        cursor = page.next_cursor
        if not cursor:
            return tools


class _Watched:
    """The transport's read stream, passed through as it is (no extra hop per message), noting when it ends:
    the session's dispatcher stops reading when the server went away (EOF) or the stream was closed."""

    def __init__(self, inner: Any, ended: anyio.Event) -> None:
        self.inner, self.ended = inner, ended

    async def __aenter__(self) -> _Watched:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        self.ended.set()
        return await self.inner.__aexit__(*exc)

    def __aiter__(self) -> _Watched:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.inner.__anext__()
        except (StopAsyncIteration, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self.ended.set()
            raise

    def __getattr__(self, name: str) -> Any:  # the rest as the stream has it (`last_context`, `close`, ...)
        return getattr(self.inner, name)


class _Log:
    def __init__(self, path: Path, target: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: TextIO = path.open("a", encoding="utf-8", errors="replace", buffering=1)
        self.handle.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {target}\n")

    def __enter__(self) -> TextIO:
        return self.handle

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _open_log(path: Path, target: str) -> _Log:
    return _Log(path, target)


def describe_failure(error: BaseException, entry: ServerEntry) -> str:
    """Why a server could not be used, in one line (the first of a group of errors)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, FileNotFoundError) and entry.config.transport == "stdio":
        return f"command not found: {entry.config.command} (install it, or fix `command` in {entry.origin})"
    if isinstance(error, TimeoutError):
        return f"did not start within {entry.config.startup_timeout:g} s (startup_timeout)"
    if isinstance(error, ValueError) and "${" in str(error):
        return str(error)
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _version() -> str:
    try:
        return metadata.version("agentsh")
    except metadata.PackageNotFoundError:
        return "0"
