"""`agentsh mcp list | add | remove | tools NAME`: the MCP servers of the config (and a trusted .mcp.json)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from ..config import data_home, settings_from_args
from ..errors import UsageError
from ..mcp import McpManager, ServerStatus, open_manager
from ..mcp.config_file import add_server, remove_server
from ..tools.tool import Tool


def mcp_command(args: argparse.Namespace) -> int:
    return {"list": _list, "add": _add, "remove": _remove, "tools": _tools}[args.mcp_command](args)


def _manager(args: argparse.Namespace, only: str | None = None) -> McpManager:
    settings = settings_from_args(args)
    manager = open_manager(settings.mcp_servers, Path.cwd(), data_home(settings))
    if only is not None:
        if only not in manager.connections:
            _unknown(only, manager)
        manager.connections = {only: manager.connections[only]}
    return manager


def _unknown(name: str, manager: McpManager) -> None:
    known = ", ".join(manager.connections) or "none is configured; add one with `agentsh mcp add`"
    raise UsageError(f"no MCP server named {name!r} (known: {known})")


async def _started(manager: McpManager) -> tuple[list[ServerStatus], list[Tool]]:
    """Start the servers, wait for each to be ready or fail, and stop them again: their states and tools."""
    try:
        await manager.wait_for_starting(lambda text: None)
        return manager.statuses(), manager.tools()
    finally:
        await manager.aclose()


def _list(args: argparse.Namespace) -> int:
    manager = _manager(args)
    statuses, _ = asyncio.run(_started(manager))
    if args.json:
        print(json.dumps([_row(s) for s in statuses], indent=2))
    elif not statuses:
        print("no MCP servers configured; add one with: agentsh mcp add NAME -- COMMAND [ARGS...]")
    for status in statuses if not args.json else []:
        print(f"{status.name}: {status.summary}")
        print(f"    {status.transport}: {status.target}  (from {status.origin})")
    for notice in manager.notices:
        print(f"agentsh: {notice}", file=sys.stderr)
    return 0 if all(s.state == "ready" for s in statuses) else 1


def _row(status: ServerStatus) -> dict:
    return {
        "name": status.name, "state": status.state, "summary": status.summary, "transport": status.transport,
        "target": status.target, "tools": list(status.tools), "origin": str(status.origin),
        "log": str(status.log) if status.log else None,
    }


def _tools(args: argparse.Namespace) -> int:
    manager = _manager(args, args.name)
    [status], listed = asyncio.run(_started(manager))
    if status.state != "ready":
        print(f"agentsh: MCP server {args.name} {status.summary}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([t.schema() for t in listed], indent=2))
        return 0
    for tool in listed:
        approval = "" if not tool.requires_approval else " (needs approval)"
        print(f"{tool.name}{approval}: {tool.description.splitlines()[0] if tool.description else ''}")
        if tool.hints:
            print(f"    the server says (unverified): {', '.join(tool.hints)}")
        print(f"    parameters: {json.dumps(tool.parameters)}")
    return 0


def _add(args: argparse.Namespace) -> int:
    command = list(args.server_command)
    if bool(command) == bool(args.url):
        raise UsageError("give the server's command after --  (agentsh mcp add time -- mcp-server-time), or --url URL, not both")
    table: dict = {"command": command[0], "args": command[1:]} if command else {"url": args.url}
    if args.env:
        table["env"] = dict(_pair(item, "=", "--env") for item in args.env)
    if args.header:
        table["headers"] = dict(_pair(item, ":", "--header") for item in args.header)
    if args.allow:
        table["allow"] = args.allow
    if args.timeout is not None:
        table["timeout"] = args.timeout
    path = add_server(args.name, table)
    print(f"added MCP server {args.name} to {path}; it starts with the next session (`agentsh mcp tools {args.name}` lists its tools)")
    return 0


def _pair(text: str, separator: str, flag: str) -> tuple[str, str]:
    key, found, value = text.partition(separator)
    if not found or not key.strip():
        raise UsageError(f"{flag} wants KEY{separator}VALUE, not {text!r}")
    return key.strip(), value.strip() if separator == ":" else value


def _remove(args: argparse.Namespace) -> int:
    path = remove_server(args.name)
    print(f"removed MCP server {args.name} from {path}")
    return 0
