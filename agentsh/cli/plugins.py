"""`agentsh plugins list`, `agentsh tools`, `agentsh trust`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import settings_from_args
from ..plugin_loader.directories import plugin_directories
from ..plugin_loader.loader import PluginLoader
from ..plugin_loader.trust import set_trust, trust_file, trusted_folders, workspace_plugin_dirs
from ..tools.registry import ToolRegistry


def _loader(args: argparse.Namespace) -> tuple[PluginLoader, list[str]]:
    directories, notices = plugin_directories(settings_from_args(args), Path.cwd())
    loader = PluginLoader(directories, ToolRegistry())
    loader.refresh()
    return loader, notices + loader.warnings


def plugins_command(args: argparse.Namespace) -> int:
    loader, notices = _loader(args)
    rows = [_status_row(s) for s in loader.statuses()]
    if args.json:
        print(json.dumps({"plugins": rows, "notices": notices}, indent=2))
        return 0
    for row in rows:
        state = "ok" if row["status"] == "ok" else f"error: {row['error']}"
        print(f"{row['plugin']}  [{state}]  {', '.join(row['tools']) or '(no tools)'}")
    for notice in notices:
        print(f"agentsh: {notice}", file=sys.stderr)
    return 0


def _status_row(status) -> dict:
    return {
        "plugin": str(status.path) if status.path else status.name,
        "status": "ok" if status.ok else "error",
        "error": status.error,
        "tools": status.tool_names,
    }


def tools_command(args: argparse.Namespace) -> int:
    """The tools a new session offers the model: plugins and the built-in ones (long-term memory)."""
    from ..session import Session

    settings = settings_from_args(args)
    notices = plugin_directories(settings, Path.cwd())[1]  # a workspace's plugins not loaded, and why
    session = Session.open(settings)
    try:
        tools = session.tools()
    finally:
        session.close_store()
    if args.json:
        print(json.dumps([item.schema() for item in tools], indent=2))
    else:
        for item in tools:
            flags = " (needs approval)" if item.requires_approval else ""
            print(f"{item.name}{flags}: {item.description.splitlines()[0] if item.description else ''}")
            print(f"    parameters: {json.dumps(item.parameters)}")
    for notice in notices:
        print(f"agentsh: {notice}", file=sys.stderr)
    return 0


def trust_command(args: argparse.Namespace) -> int:
    folder = Path(args.folder or ".").resolve()
    if args.list:
        for path in trusted_folders():
            print(path)
        return 0
    set_trust(folder, not args.revoke)
    found = ", ".join(str(d.relative_to(folder)) for d in workspace_plugin_dirs(folder)) or "no plugin folder yet"
    verb = "no longer trusted" if args.revoke else "trusted"
    print(f"{folder} is {verb} ({found}); the list is {trust_file()}")
    return 0

