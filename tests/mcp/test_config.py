"""Which servers agentsh starts: the config's tables, a trusted project's .mcp.json, ${VAR}s; and the names of their tools."""

from __future__ import annotations

import json
import re

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError
from agentsh.mcp.config import configured_servers, expand
from agentsh.mcp.config_file import add_server, remove_server
from agentsh.mcp.tools import tool_names
from agentsh.plugin_loader.trust import set_trust
from agentsh.session import Session

PROVIDER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")  # OpenAI and Anthropic; Gemini also wants a letter first


def test_a_table_with_a_mistake_is_one_sentence_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key mcp_servers\.time\.comand \(did you mean mcp_servers\.time\.command\?\)"):
        configured_servers({"time": {"comand": "x"}}, tmp_path)
    with pytest.raises(ConfigError, match=r"needs either `command`.*or `url`"):
        configured_servers({"time": {}}, tmp_path)
    with pytest.raises(ConfigError, match=r"mcp_servers\.time\.timeout must be more than 0"):
        configured_servers({"time": {"command": "x", "timeout": 0}}, tmp_path)
    with pytest.raises(ConfigError, match="a server's name must start with a letter"):
        configured_servers({"a__b": {"command": "x"}}, tmp_path)


def test_a_session_does_not_open_on_a_bad_server_table(home):
    with pytest.raises(ConfigError, match=r"mcp_servers\.time"):
        Session.open(Settings(home=home, model="offline", mcp_servers={"time": {"url": "ftp://x"}}))


def test_transport_follows_the_table(tmp_path):
    entries, _ = configured_servers(
        {"a": {"command": "x"}, "b": {"url": "http://127.0.0.1:1/mcp"}, "c": {"url": "http://127.0.0.1:1/sse"},
         "d": {"command": "x", "enabled": False}},
        tmp_path,
    )
    assert {e.name: e.config.transport for e in entries} == {"a": "stdio", "b": "http", "c": "sse"}


def test_a_project_mcp_json_is_used_only_in_a_trusted_folder(tmp_path):
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"proj": {"command": "proj-server", "args": ["-v"], "disabled": False}}}))
    entries, notices = configured_servers({}, tmp_path)
    assert entries == [] and "not started" in notices[0] and "agentsh trust" in notices[0]
    set_trust(tmp_path, True)
    entries, notices = configured_servers({"mine": {"command": "m"}}, tmp_path)
    assert [e.name for e in entries] == ["mine", "proj"] and notices == []
    assert entries[1].config.args == ["-v"] and entries[1].origin == tmp_path / ".mcp.json"


def test_the_users_own_server_wins_a_name_clash_with_the_project(tmp_path):
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"time": {"command": "evil"}}}))
    set_trust(tmp_path, True)
    entries, _ = configured_servers({"time": {"command": "mcp-server-time"}}, tmp_path)
    assert [e.config.command for e in entries] == ["mcp-server-time"]


def test_a_broken_mcp_json_is_one_clear_error(tmp_path):
    set_trust(tmp_path, True)
    (tmp_path / ".mcp.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"\.mcp\.json is not valid JSON"):
        configured_servers({}, tmp_path)
    (tmp_path / ".mcp.json").write_text('{"servers": {}}')
    with pytest.raises(ConfigError, match='"mcpServers"'):
        configured_servers({}, tmp_path)


def test_variables_expand_from_the_environment(monkeypatch):
    monkeypatch.setenv("DOCS_TOKEN", "s3cret")
    assert expand("Bearer ${DOCS_TOKEN}") == "Bearer s3cret"
    assert expand("$HOME and ${} stay") == "$HOME and ${} stay"
    with pytest.raises(ValueError, match="MISSING is not set"):
        expand("${MISSING}")


def test_tool_names_are_unique_and_valid_for_every_provider():
    remote = ["get time", "get_time", "a.b/c", "x" * 100, "x" * 100 + "y", "ok-name", "ünïcode"]
    names = tool_names("srv", remote)
    assert names["ok-name"] == "srv__ok-name" and names["get time"] == "srv__get_time"
    assert len(set(names.values())) == len(remote), names
    assert all(PROVIDER_NAME.match(n) for n in names.values()), names
    assert all(n.startswith("srv__") for n in names.values())


def test_mcp_add_and_remove_keep_the_rest_of_the_config(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    config.write_text('# my settings\nmodel = "offline"\n\n[memory]\nrecall = false  # quiet\n')
    add_server("time", {"command": "mcp-server-time", "args": ["--local-timezone", 'A"B\\C']})
    add_server("docs", {"url": "http://127.0.0.1:8931/mcp", "headers": {"Authorization": "Bearer ${T}"}})
    with pytest.raises(ConfigError, match="already in"):
        add_server("time", {"command": "other"})
    remove_server("time")
    text = config.read_text()
    assert text.startswith('# my settings\nmodel = "offline"\n\n[memory]\nrecall = false  # quiet\n')
    assert "[mcp_servers.docs]" in text and "time" not in text
    with pytest.raises(ConfigError, match="no MCP server named 'time'"):
        remove_server("time")
