"""The MCP SDK is imported only when a server is configured: every other command starts without paying for it.

Read from `python -X importtime`, which names every module the process imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TIME_SERVER = Path(sys.executable).with_name("mcp-server-time")
SDK = {"mcp", "mcp_types"}


def run_traced(tmp_path: Path, config: str, *arguments: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = {**os.environ, "AGENTSH_CONFIG": str(path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "agentsh", *arguments],
                            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return result, imported


def test_a_turn_without_servers_never_imports_the_mcp_sdk(tmp_path):
    result, imported = run_traced(tmp_path, "", "run", "--model", "offline", "hi")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "You said: hi" in result.stdout
    assert "agentsh.session" in imported  # the session was opened...
    assert not imported & SDK  # ...without the SDK


def test_memory_list_never_imports_the_mcp_sdk(tmp_path):
    result, imported = run_traced(tmp_path, "", "memory", "list")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not imported & SDK


def test_with_a_server_configured_its_tool_still_answers(tmp_path):
    config = f'[mcp_servers.time]\ncommand = "{TIME_SERVER}"\nallow = ["*"]\n'
    result, imported = run_traced(tmp_path, config, "run", "--model", "offline", "use time__get_current_time Asia/Tokyo")
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"timezone": "Asia/Tokyo"' in result.stdout and '"datetime"' in result.stdout
    assert imported >= SDK
