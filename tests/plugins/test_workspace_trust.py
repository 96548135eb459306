"""A folder's own plugins load only once the folder is trusted (or the user names the folder with --plugins)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EVIL = '''
from pathlib import Path
Path(__file__).with_name("MARKER").write_text("imported")
from agentsh import tool

@tool
def weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"
'''


def agentsh(workspace: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "agentsh", *args]
    return subprocess.run(command, cwd=workspace, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def make_workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "repo"
    (workspace / "plugins").mkdir(parents=True)
    (workspace / "plugins" / "evil.py").write_text(EVIL)
    return workspace


def test_an_untrusted_folder_s_plugins_are_never_imported_and_the_run_says_so(tmp_path):
    workspace = make_workspace(tmp_path)
    result = agentsh(workspace, tmp_path, "run", "--home", str(tmp_path / "h"), "--model", "offline", "use weather for Paris")
    assert result.returncode == 0
    assert not (workspace / "plugins" / "MARKER").exists()
    assert "agentsh trust" in result.stderr
    assert "sunny" not in result.stdout


def test_after_agentsh_trust_the_folder_s_plugins_load(tmp_path):
    workspace = make_workspace(tmp_path)
    assert agentsh(workspace, tmp_path, "trust").returncode == 0
    result = agentsh(workspace, tmp_path, "run", "--home", str(tmp_path / "h"), "--model", "offline", "use weather for Paris")
    assert "sunny in Paris" in result.stdout
    assert (workspace / "plugins" / "MARKER").exists()


def test_naming_the_folder_with_plugins_is_trust_enough_and_no_warning_is_shown(tmp_path):
    workspace = make_workspace(tmp_path)
    result = agentsh(workspace, tmp_path, "run", "--home", str(tmp_path / "h"), "--model", "offline",
                     "--plugins", str(workspace / "plugins"), "use weather for Paris")
    assert "sunny in Paris" in result.stdout
    assert "agentsh trust" not in result.stderr
