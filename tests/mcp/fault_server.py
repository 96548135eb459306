"""An MCP server written with the SDK's own server API (MCPServer, FastMCP in SDK 1.x), for the client's faults.

    python fault_server.py stdio
    python fault_server.py http PORT
    python fault_server.py sse PORT       (the legacy HTTP+SSE transport, at /sse)

FAULT_LOG (an environment variable) names a file where the server notes what happened to it:
"cancelled slow" when a call was cancelled, "started PID" when it started.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("faults")


def note(text: str) -> None:
    path = os.environ.get("FAULT_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")


@server.tool(annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True))
def echo(text: str) -> str:
    """Say `text` back."""
    return f"echo: {text}"


@server.tool()
async def slow(seconds: float) -> str:
    """Wait `seconds`, then answer."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        note("cancelled slow")
        raise
    return "slept"


@server.tool()
def crash() -> str:
    """Exit at once, without answering."""
    print("crashing now", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
async def add_tool(ctx: Context) -> str:
    """Add a tool named `extra`, and tell the client its tools changed."""

    def extra() -> str:
        """A tool that was not there at first."""
        return "extra here"

    server.add_tool(extra)
    # Sent on this call's own stream, as a careful server does: over streamable HTTP a notification on the
    # separate GET stream may arrive after the call's result, and the next model call would not see the tool yet.
    await ctx.session.send_notification(types.ToolListChangedNotification(), related_request_id=ctx.request_id)
    return "added"


@server.tool()
async def steps(count: int, ctx: Context) -> str:
    """Report progress `count` times, then answer."""
    for done in range(1, count + 1):
        await ctx.report_progress(done, count, f"step {done} of {count}")
        await asyncio.sleep(0.05)
    return f"{count} steps"


@server.tool()
def fail() -> types.CallToolResult:
    """Answer with an error result (isError)."""
    return types.CallToolResult(content=[types.TextContent(text="the disk is [bold]full[/bold]")], is_error=True)


@server.tool()
def mixed() -> types.CallToolResult:
    """Answer with every kind of content."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 100).decode()
    return types.CallToolResult(
        content=[
            types.TextContent(text="plain text"),
            types.ImageContent(data=png, mime_type="image/png"),
            types.EmbeddedResource(resource=types.TextResourceContents(uri="file:///notes.txt", mime_type="text/plain", text="embedded words")),
            types.EmbeddedResource(resource=types.BlobResourceContents(uri="file:///blob.bin", blob=base64.b64encode(b"xyz").decode())),
            types.ResourceLink(name="report", uri="file:///report.pdf", mime_type="application/pdf"),
        ],
        structured_content={"temperature": 21, "unit": "C"},
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@server.tool()
def picture(kind: str = "png") -> types.CallToolResult:
    """Answer with a caption and one image: a PNG ("png"), a PNG as an embedded resource ("resource"), or a
    hostile one: an SVG ("svg"), data that is not base64 ("not-base64"), text labelled a PNG ("not-png")."""
    png = base64.b64encode(PNG).decode()
    image = {
        "png": types.ImageContent(data=png, mime_type="image/png"),
        "resource": types.EmbeddedResource(resource=types.BlobResourceContents(uri="file:///shot.png", mime_type="image/png", blob=png)),
        "svg": types.ImageContent(data=base64.b64encode(b"<svg onload='x()'/>").decode(), mime_type="image/svg+xml"),
        "not-base64": types.ImageContent(data="iVBORw0KGgoAAAA[bold]x[/bold]AAA", mime_type="image/png"),  # a PNG, leniently read
        "not-png": types.ImageContent(data=base64.b64encode(b"<html>hi</html>").decode(), mime_type="image/png"),
    }[kind]
    return types.CallToolResult(content=[types.TextContent(text=f"a {kind} picture"), image])


@server.tool()
async def roots(ctx: Context) -> str:
    """Ask the client for its roots (a request from the server to the client)."""
    listed = await ctx.session.list_roots()
    return ", ".join(str(root.uri) for root in listed.roots)


if __name__ == "__main__":
    note(f"started {os.getpid()}")
    if sys.argv[1:2] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif sys.argv[1:2] == ["sse"]:
        server.run("sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
