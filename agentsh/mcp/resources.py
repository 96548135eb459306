"""A server's resources: `@SERVER:URI` in a message attaches one (completed as it is typed), and the model
reads them with the `read_resource` tool (`list_resources` says which there are).

What a resource holds is the server's, hostile text: it reaches the model inside an <attached> block, as
a file does, and the UIs show only its name and size. Only text is attached; anything else is named in
a notice. Sizes are bounded as files are (mentions.FILE_LIMIT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import AgentshError, ToolError
from ..mentions import FILE_LIMIT, TRAILING
from ..messages import Attachment
from ..tools.tool import Tool, make_tool
from .catalog import McpCatalog
from .manager import McpManager

MENTION = re.compile(r"(?<!\S)@([A-Za-z0-9_.-]+):(\S+)")
LISTED = 200  # resources list_resources shows at most


@dataclass
class ResourceBlocks:
    """What a message's @SERVER:URI mentions attached: the text blocks, their attachments, and notices."""

    blocks: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def resource_mentions(text: str, servers: set[str]) -> list[tuple[str, str]]:
    """(server, uri) for each @SERVER:URI in `text` whose server is configured, in order, once each."""
    found = [(m.group(1), m.group(2).rstrip(TRAILING)) for m in MENTION.finditer(text) if m.group(1) in servers]
    return list(dict.fromkeys(found))


async def read_mentioned(manager: McpManager, text: str) -> ResourceBlocks:
    result = ResourceBlocks()
    for server, uri in resource_mentions(text, set(manager.connections)):
        label = f"{server}:{uri}"
        try:
            content = await read_text(manager, server, uri)
        except AgentshError as problem:
            result.notices.append(f"@{label}: {problem}; not attached")
            continue
        result.blocks.append(f'<attached resource="{label}">\n{content}\n</attached>')
        result.attachments.append(Attachment(path=label, kind="resource", size=len(content.encode())))
        result.notices.append(f"attached @{label} (resource, {len(content.encode())} bytes)")
    return result


async def read_text(manager: McpManager, server: str, uri: str) -> str:
    """The resource's text; AgentshError says why there is none (not ready, unknown, binary, too large)."""
    from mcp.shared.exceptions import MCPError
    from mcp_types import TextResourceContents

    session = manager.client_session(server) if server in manager.connections else None
    if session is None:
        known = ", ".join(manager.connections) or "none"
        raise AgentshError(f"MCP server {server!r} is not ready (servers: {known})")
    try:
        result = await session.read_resource(uri)
    except MCPError as error:
        raise AgentshError(f"MCP server {server} could not read it: {error}") from None
    texts = [c.text for c in result.contents if isinstance(c, TextResourceContents)]
    if not texts:
        raise AgentshError("it holds no text (binary resources are not attached)")
    text = "\n".join(texts)
    if len(text.encode()) > FILE_LIMIT:
        raise AgentshError(f"it is larger than the {FILE_LIMIT // 1_000_000} MB limit")
    return text


def resource_completions(catalog: McpCatalog, partial: str) -> list[str]:
    """`SERVER:URI` candidates for an @mention being typed (`partial` without the @)."""
    server, colon, prefix = partial.partition(":")
    found = catalog.resources()
    if not colon:
        return [f"{name}:" for name in found if name.startswith(server)]
    return [f"{server}:{r.uri}" for r in found.get(server, []) if str(r.uri).startswith(prefix)]


def resource_tools(manager: McpManager, catalog: McpCatalog) -> list[Tool]:
    """`list_resources` and `read_resource`: the model's way to the servers' resources."""

    async def list_resources(server: str = "") -> str:
        """List the resources MCP servers offer (name, URI, description), to read with read_resource.

        Args:
            server: only this server's (all servers when empty)
        """
        await catalog.refreshed()
        lines = [
            f"{name}:{r.uri}  {r.name}" + (f": {r.description}" if r.description else "")
            for name, listed in catalog.resources().items() if not server or name == server for r in listed
        ]
        return "\n".join(lines[:LISTED]) or "No MCP server offers resources" + (f" named {server}" if server else "") + "."

    async def read_resource(server: str, uri: str) -> str:
        """Read a resource an MCP server offers.

        Args:
            server: the server's name
            uri: the resource's URI, as list_resources gives it
        """
        try:
            return await read_text(manager, server, uri)
        except AgentshError as problem:
            raise ToolError(f"cannot read {server}:{uri}: {problem}") from None

    return [make_tool(list_resources), make_tool(read_resource)]
