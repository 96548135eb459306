"""An MCP server's tool as an agentsh `Tool`: its name, its schema as the server gives it, its results as text and images.

Names: `SERVER__TOOL` — the server's name from the config, two underscores, the tool's own name
with anything but letters, digits, `_` and `-` replaced by `_`; cut to 64 characters with a short
hash when longer, and given a hash when two of a server's tools would otherwise share a name.
Every provider accepts such a name (OpenAI, Anthropic: `^[a-zA-Z0-9_-]{1,64}$`; Gemini: also
starting with a letter, which a server name does), and it says which server a tool is from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types
from pydantic import BaseModel, ConfigDict

from ..errors import ToolError
from ..tools.output import ToolOutput
from ..tools.tool import Tool
from .images import NotShown, ResultImages, image_line, size_text

MAX_NAME = 64
MAX_DESCRIPTION = 4_000  # a server's description is for the model, but not without bound
SEPARATOR = "__"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
Call = Callable[[str, dict[str, Any]], Awaitable[types.CallToolResult]]


class _AnyArguments(BaseModel):
    model_config = ConfigDict(extra="allow")


@dataclass
class McpTool(Tool):
    """A tool served by an MCP server: the server validates its arguments against the schema it gave."""

    server: str = ""
    remote_name: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parameters = _object_schema(self.input_schema)

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return dict(arguments)


def tool_names(server: str, remote: list[str]) -> dict[str, str]:
    """Each of a server's tool names (`remote`) → its agentsh name, unique and valid for every provider."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for original in remote:
        name = _fit(f"{server}{SEPARATOR}{_UNSAFE.sub('_', original)}", original)
        if name in taken:
            name = _fit(f"{name[: MAX_NAME - 9]}_{_digest(original)}", original)
        taken.add(name)
        names[original] = name
    return names


def _fit(name: str, original: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    return f"{name[: MAX_NAME - 9]}_{_digest(original)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def make_tools(server: str, listed: list[types.Tool], call: Call, allow: list[str], only: list[str] | None, timeout: float) -> list[Tool]:
    """`listed` (a server's tools) as agentsh tools: those in `only` when given; approval unless `allow` covers them."""
    chosen = [t for t in listed if only is None or t.name in only]
    names = tool_names(server, [t.name for t in chosen])
    return [_make_tool(server, item, names[item.name], call, "*" in allow or item.name in allow, timeout) for item in chosen]


def _make_tool(server: str, listed: types.Tool, name: str, call: Call, allowed: bool, timeout: float) -> Tool:
    remote = listed.name

    async def run(**arguments: Any) -> ToolOutput:
        return tool_output(await call(remote, arguments), name)

    return McpTool(
        name=name, description=_description(server, listed), function=run, arguments_model=_AnyArguments,
        requires_approval=not allowed, timeout=timeout, source=f"MCP server {server}", hints=hints_of(listed),
        server=server, remote_name=remote, input_schema=listed.input_schema,
    )


def _description(server: str, listed: types.Tool) -> str:
    text = (listed.description or listed.title or listed.name).strip()
    if len(text) > MAX_DESCRIPTION:
        text = text[:MAX_DESCRIPTION] + "…"
    return text or f"{listed.name} (from MCP server {server})"


def _object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The server's input schema as given; providers need an object at the root, so anything else gets one."""
    if isinstance(schema, dict) and schema.get("type") == "object":
        return {"properties": {}, **schema} if "properties" not in schema else dict(schema)
    return {"type": "object", "properties": {}}


def hints_of(listed: types.Tool) -> tuple[str, ...]:
    """What the server says about a tool (annotations): shown when asking approval, never trusted."""
    notes = listed.annotations
    if notes is None:
        return ()
    said = []
    for flag, words in (
        (notes.read_only_hint, ("read-only", "may change things")), (notes.destructive_hint, ("destructive", "not destructive")),
        (notes.idempotent_hint, ("idempotent", None)), (notes.open_world_hint, ("reaches outside (open world)", "closed world")),
    ):
        if flag is not None and (words[0] if flag else words[1]):
            said.append(words[0] if flag else words[1])
    if notes.title:
        said.insert(0, f"title {notes.title!r}")
    return tuple(s for s in said if s)


# results ----------------------------------------------------------------------------

def tool_output(result: types.CallToolResult, name: str) -> ToolOutput:
    """A tool's result as the text the model reads, with the images a model may be shown; an `isError`
    result raises ToolError with its text."""
    images = ResultImages()
    parts = [_block_text(block, images) for block in result.content]
    structured = result.structured_content
    if structured is not None and not _said_already(structured, result.content):
        parts.append(json.dumps(structured, ensure_ascii=False, default=str))
    text = "\n".join(p for p in parts if p)
    if result.is_error:
        raise ToolError(f"{name} failed: {text or 'the server gave no reason'}")
    return ToolOutput(text, tuple(images.kept))


def _block_text(block: Any, images: ResultImages) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent):
        return _image_text(block, images)
    if isinstance(block, types.AudioContent):
        return f"[audio: {block.mime_type}, {size_text(_decoded_length(block.data))}; not shown to the model]"
    if isinstance(block, types.ResourceLink):
        return f"[resource link: {block.name} <{block.uri}>{_mime(block.mime_type)}]"
    if isinstance(block, types.EmbeddedResource):
        return _resource_text(block.resource, images)
    return f"[{getattr(block, 'type', 'unknown')} content]"


def _image_text(block: types.ImageContent, images: ResultImages) -> str:
    try:
        return image_line(images.take(block.data, block.mime_type))
    except NotShown as why:
        return f"[image: {block.mime_type}, {size_text(_decoded_length(block.data))}; not shown to the model: {why}]"


def _resource_text(resource: types.TextResourceContents | types.BlobResourceContents, images: ResultImages) -> str:
    if isinstance(resource, types.TextResourceContents):
        return f"[resource <{resource.uri}>{_mime(resource.mime_type)}]\n{resource.text}"
    why = "not shown"
    if (resource.mime_type or "").lower().startswith("image/"):
        try:
            return image_line(images.take(resource.blob, resource.mime_type, str(resource.uri)))
        except NotShown as reason:
            why = f"not shown to the model: {reason}"
    return f"[resource <{resource.uri}>{_mime(resource.mime_type)}: {size_text(_decoded_length(resource.blob))} of binary data, {why}]"


def _said_already(structured: Any, content: list[Any]) -> bool:
    """Whether a text block already holds the structured content (servers are asked to include it as JSON; a plain
    value the SDK wraps as `{"result": value}`)."""
    for block in content:
        if isinstance(block, types.TextContent):
            if isinstance(structured, dict) and list(structured.values()) == [block.text]:
                return True
            try:
                if json.loads(block.text) == structured:
                    return True
            except ValueError:
                continue
    return False


def _mime(mime: str | None) -> str:
    return f" ({mime})" if mime else ""


def _decoded_length(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)

