"""benchmarks/peers.py --dry-run: the plan, every peer pointed at the local fake server, nothing installed or run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_dry_run_lists_every_tool_with_its_commands_on_the_local_server():
    done = subprocess.run([sys.executable, "benchmarks/peers.py", "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for tool in ("agentsh:", "llm:", "aider:", "elia:", "oterm:"):
        assert tool in done.stdout
    assert "agentsh --plain" in done.stdout
    assert "--openai-api-base http://127.0.0.1:" in done.stdout  # aider: the fake server, never a real API
    assert "--no-git" in done.stdout and "--analytics-disable" in done.stdout
