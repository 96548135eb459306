"""Every mode can use an MCP tool: `agentsh run --mode M` with the fault server configured, through the real
litellm path against the fake model server, whose model calls `faults__echo` whenever it is offered."""

from __future__ import annotations

import json

import pytest

from agentsh.cli import main as cli_main
from agentsh.modes import mode_names

from fakeserver import Reply
from helpers import following_schemas
from mcp_support import stdio_table

ECHO = Reply(tool_calls=[{"name": "faults__echo", "arguments": {"text": "from the model"}}])
DELEGATE = Reply(tool_calls=[{"name": "delegate", "arguments": {"worker": "researcher", "task": "say hello through the tool"}}])
REACT_ECHO = Reply(text='Thought: the tool says it.\nAction: faults__echo\nAction Input: {"text": "from the model"}')
NO_TOOLS = {"chat"}  # one model call, no tools, by design
# reflect's default writer has no tools (a writer turns material into prose): a user gives it an agent that has
MODE_TABLES = {"reflect": '[modes.reflect]\nwriter = "researcher"\n'}


def model_route(body: dict) -> Reply | None:
    structured = following_schemas()(body)
    if structured is not None:
        return structured
    offered = {t["function"]["name"] for t in body.get("tools") or []}
    messages = body.get("messages") or [{}]
    asked = messages[-1].get("role") == "user" and not str(messages[-1].get("content")).startswith("Observation")
    if "Action Input" in str(messages[0].get("content")) and "faults__echo" in str(messages[0].get("content")) and asked:
        return REACT_ECHO  # react: tools described in the prompt, called in text
    if "delegate" in offered and asked:
        return DELEGATE  # supervisor: a worker with tools does it
    return ECHO if "faults__echo" in offered and asked else None


@pytest.mark.parametrize("mode", mode_names())
def test_every_mode_can_call_an_mcp_tool(mode, fake_server, monkeypatch, tmp_path, capsysbinary):
    config = tmp_path / "config.toml"
    table = stdio_table(tmp_path / "faults.log")
    config.write_text(
        f"[mcp_servers.faults]\ncommand = {json.dumps(table['command'])}\nargs = {json.dumps(table['args'])}\n"
        + MODE_TABLES.get(mode, "")
    )
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.default_reply = Reply(text="Final Answer: the answer is 42")
    fake_server.route = model_route
    capsysbinary.readouterr()
    status = cli_main(["run", "--no-stdin", "--json", "--yes", "--home", str(tmp_path / "home"), "--model", "openai/fake-model",
                       "--mode", mode, "say hello through the tool"])
    out, err = capsysbinary.readouterr()
    events = [json.loads(line) for line in out.decode().splitlines()]
    assert status == 0, err.decode()
    results = [e for e in events if e["type"] == "tool_result" and e["name"] == "faults__echo"]
    if mode in NO_TOOLS:
        assert results == []
    else:
        assert results and all(r["ok"] and r["output"] == "echo: from the model" for r in results), events
