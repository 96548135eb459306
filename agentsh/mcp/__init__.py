"""MCP client: servers from the config and a trusted project's `.mcp.json`, their tools in the session's registry.

config.py (which servers), connection.py (one server: start, session, restart, log), manager.py
(all of them, as a tool source and in states), tools.py (an MCP tool as an agentsh tool), processes.py
(which child is which server; the last-resort stop at exit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import configured_servers
from .manager import McpManager, ServerStatus

__all__ = ["McpManager", "ServerStatus", "log_dir", "open_manager"]


def log_dir(home: Path) -> Path:
    """Where each stdio server's stderr goes: one file per server in the data home."""
    return home / "mcp-logs"


def open_manager(tables: dict[str, Any], workspace: Path, home: Path) -> McpManager:
    """The session's servers (not started yet: `start()` once the UI is up). ConfigError names a bad server table."""
    entries, notices = configured_servers(tables, workspace)
    return McpManager(entries, log_dir(home), notices)
