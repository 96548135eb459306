"""A server's prompts as slash commands: `/SERVER:PROMPT args` sends what the server's prompt says.

The arguments: with one declared argument, the whole rest of the line is its value; otherwise
`name=value` words (quoted as in a shell), and plain words fill the arguments in their order. A missing
required argument is named, with the server's description of it. The prompt's messages become the
text of the user's message (several messages keep their roles as labels); what the server wrote is
hostile text: it is sent as it is, and no @mention in it attaches anything.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..errors import AgentshError
from .manager import McpManager

if TYPE_CHECKING:
    import mcp_types as types


def prompt_arguments(command: str, prompt: types.Prompt, rest: str) -> dict[str, str]:
    """The prompt's arguments from what was typed after the command; AgentshError names what is missing or unknown."""
    declared = prompt.arguments or []
    names = [a.name for a in declared]
    if len(declared) == 1 and not rest.startswith(f"{names[0]}="):
        values = {names[0]: rest} if rest else {}
    else:
        values = _named(command, names, rest)
    missing = [a for a in declared if a.required and not values.get(a.name)]
    if missing:
        wanted = "; ".join(f"{a.name}" + (f" ({a.description})" if a.description else "") for a in missing)
        usage = " ".join(f"{n}=…" for n in names)
        raise AgentshError(f"/{command} needs {wanted}: /{command} {usage}")
    return values


def _named(command: str, names: list[str], rest: str) -> dict[str, str]:
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    values: dict[str, str] = {}
    positional = iter(names)
    for word in words:
        key, equals, value = word.partition("=")
        if equals and key in names:
            values[key] = value
            continue
        name = next((n for n in positional if n not in values), None)
        if name is None:
            raise AgentshError(f"/{command} takes {', '.join(names) or 'no arguments'}; {word!r} is not one of them")
        values[name] = word
    return values


async def prompt_text(manager: McpManager, server: str, name: str, arguments: dict[str, str]) -> str:
    """The prompt's messages from the server, as the text of one user message."""
    from mcp.shared.exceptions import MCPError

    session = manager.client_session(server)
    if session is None:
        raise AgentshError(f"MCP server {server} is not ready ({manager.connection(server).describe()}); see /mcp")
    try:
        result = await session.get_prompt(name, arguments)
    except MCPError as error:
        raise AgentshError(f"MCP server {server} could not give the prompt {name}: {error}") from None
    return messages_text(result.messages)


def messages_text(messages: list[types.PromptMessage]) -> str:
    texts = [(m.role, content_text(m.content)) for m in messages]
    if len(texts) == 1 and texts[0][0] == "user":
        return texts[0][1]
    return "\n\n".join(f"[{role}]\n{text}" for role, text in texts)


def content_text(content: types.ContentBlock) -> str:
    """A content block as text the model reads; what is not text is named, not passed on."""
    from mcp_types import EmbeddedResource, TextContent, TextResourceContents

    if isinstance(content, TextContent):
        return content.text
    if isinstance(content, EmbeddedResource) and isinstance(content.resource, TextResourceContents):
        return f'<resource uri="{content.resource.uri}">\n{content.resource.text}\n</resource>'
    return f"[{content.type} content from the server, not passed on]"
