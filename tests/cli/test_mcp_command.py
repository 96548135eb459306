"""`agentsh mcp add | list | tools | remove`: a new user manages servers from the command line."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from agentsh.cli import main as cli_main

FAULT_SERVER = Path(__file__).parents[1] / "mcp" / "fault_server.py"


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTSH_CONFIG", str(path))
    monkeypatch.setenv("AGENTSH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FAULT_DIR", str(tmp_path))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli_main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_add_list_tools_remove(config, capsys):
    status, out, _ = run(capsys, "mcp", "add", "faults", "--allow", "echo", "--env", "FAULT_LOG=${FAULT_DIR}/x.log", "--",
                         sys.executable, str(FAULT_SERVER), "stdio")
    assert status == 0 and "added MCP server faults" in out
    table = tomllib.loads(config.read_text())["mcp_servers"]["faults"]
    assert table == {"command": sys.executable, "args": [str(FAULT_SERVER), "stdio"], "env": {"FAULT_LOG": "${FAULT_DIR}/x.log"}, "allow": ["echo"]}

    status, out, _ = run(capsys, "mcp", "list")
    assert status == 0 and out.startswith("faults: ready with 9 tools\n    stdio: ")
    assert (config.parent / "x.log").read_text().startswith("started"), "${FAULT_DIR} was expanded from the environment"

    status, out, _ = run(capsys, "mcp", "tools", "faults")
    assert status == 0
    assert "faults__echo: Say `text` back.\n    the server says (unverified): read-only, idempotent\n" in out
    assert "faults__crash (needs approval): Exit at once" in out

    status, out, _ = run(capsys, "mcp", "tools", "faults", "--json")
    schemas = {s["function"]["name"]: s["function"]["parameters"] for s in json.loads(out)}
    assert schemas["faults__echo"]["properties"]["text"]["type"] == "string"

    status, out, _ = run(capsys, "mcp", "remove", "faults")
    assert status == 0 and "mcp_servers" not in tomllib.loads(config.read_text())


def test_mistakes_are_one_line_each(config, capsys):
    assert run(capsys, "mcp", "add", "t")[0] == 2
    status, _, err = run(capsys, "mcp", "add", "bad name", "--", "x")
    assert status == 1 and "a server's name must start with a letter" in err and "Traceback" not in err
    status, _, err = run(capsys, "mcp", "tools", "nope")
    assert status == 2 and err.strip() == "agentsh: no MCP server named 'nope' (known: none is configured; add one with `agentsh mcp add`)"
    status, _, err = run(capsys, "mcp", "add", "x", "--env", "NOEQUALS", "--", "x")
    assert status == 2 and "--env wants KEY=VALUE" in err


def test_a_server_that_fails_is_listed_with_its_reason_and_a_nonzero_status(config, capsys):
    run(capsys, "mcp", "add", "gone", "--", "no-such-mcp-server-anywhere")
    status, out, _ = run(capsys, "mcp", "list")
    assert status == 1 and out.startswith("gone: failed: command not found: no-such-mcp-server-anywhere")
