"""Many tools: a request carries the most relevant ones and `find_tools`, which makes the others reachable."""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.errors import ConfigError
from agentsh.events import Notice, ToolResult
from agentsh.messages import ToolCallPart
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry
from agentsh.tools.selection import FIND_TOOLS, ToolSelection
from agentsh.tools.tool import Tool, make_tool

from helpers import of, scripted_session, send

TOPICS = ["weather", "calendar", "invoice", "kubernetes", "spreadsheet", "email", "database", "github", "slack", "maps"]
ACTIONS = ["list", "create", "delete", "update", "search", "export", "archive", "share", "count", "rename"]


def make(name: str, description: str) -> Tool:
    def run(target: str = "") -> str:
        return f"{name} ran on {target}"

    return make_tool(run, name=name, description=description)


def many_tools() -> list[Tool]:
    """100 tools, 10 servers of 10, each about one topic."""
    return [
        make(f"{topic}__{action}_{topic}", f"{action.capitalize()} {topic} items of the {topic} service.")
        for topic in TOPICS for action in ACTIONS
    ]


def offered(request) -> list[str]:
    return [schema["function"]["name"] for schema in request.request.tools]


async def test_under_the_cap_every_tool_is_offered_and_find_tools_is_not(home):
    model = ScriptedModel("ok")
    session = scripted_session(home, model, *many_tools()[:20], max_tools=64)

    events = await send(session, "hello")

    names = offered(model.requests[0])
    assert {f"weather__{a}_weather" for a in ACTIONS} <= set(names)
    assert FIND_TOOLS not in names
    assert not [e for e in of(events, Notice) if FIND_TOOLS in e.message]


async def test_over_the_cap_a_request_carries_the_cap_with_the_relevant_tools_and_find_tools(home):
    model = ScriptedModel("ok")
    session = scripted_session(home, model, *many_tools(), max_tools=12)

    events = await send(session, "please archive the old invoices in the invoice service")

    names = offered(model.requests[0])
    assert len(names) == 12 and FIND_TOOLS in names
    assert "invoice__archive_invoice" in names
    assert sum(name.startswith("invoice__") for name in names) >= 8  # the topic's own tools come first
    [notice] = [e for e in of(events, Notice) if FIND_TOOLS in e.message]
    assert "max_tools = 12" in notice.message


async def test_the_notice_is_given_once_per_session(home):
    model = ScriptedModel("ok", "ok")
    session = scripted_session(home, model, *many_tools(), max_tools=12)

    await send(session, "list my calendar events")
    events = await send(session, "list my emails")

    assert not [e for e in of(events, Notice) if FIND_TOOLS in e.message]


async def test_the_same_conversation_gets_the_same_tools_in_name_order_with_find_tools_last(home):
    model = ScriptedModel("ok", "ok")
    first = scripted_session(home / "a", model, *many_tools(), max_tools=12)
    second = scripted_session(home / "b", model, *reversed(many_tools()), max_tools=12)

    await send(first, "share the kubernetes dashboards")
    await send(second, "share the kubernetes dashboards")

    one, two = offered(model.requests[0]), offered(model.requests[1])
    assert one[:-1] == sorted(one[:-1]) and one[-1] == FIND_TOOLS
    assert [n for n in one if n.startswith("kubernetes__")] == [n for n in two if n.startswith("kubernetes__")]


async def test_find_tools_finds_a_tool_the_request_lacked_and_the_next_step_can_call_it(home):
    model = ScriptedModel(
        calls((FIND_TOOLS, {"query": "rename a spreadsheet"})),
        calls(("spreadsheet__rename_spreadsheet", {"target": "Q3"})),
        "Renamed.",
    )
    session = scripted_session(home, model, *many_tools(), max_tools=12)

    events = await send(session, "what's new in the weather today?")

    assert "spreadsheet__rename_spreadsheet" not in offered(model.requests[0])
    found, ran = of(events, ToolResult)
    assert found.ok and "spreadsheet__rename_spreadsheet" in found.output.splitlines()[1]
    assert "spreadsheet__rename_spreadsheet" in offered(model.requests[1])
    assert len(offered(model.requests[1])) == 12
    assert (ran.ok, ran.output) == (True, "spreadsheet__rename_spreadsheet ran on Q3")


async def test_tools_found_and_tools_used_stay_offered_in_later_turns(home):
    model = ScriptedModel(
        calls((FIND_TOOLS, {"query": "count slack"})), "found", calls(("maps__share_maps", {})), "shared", "ok",
    )
    session = scripted_session(home, model, *many_tools(), max_tools=12)

    await send(session, "look for a tool")
    await send(session, "share the map")  # the model calls a tool it was offered
    await send(session, "now something about github")

    last = offered(model.requests[-1])
    assert "slack__count_slack" in last and "maps__share_maps" in last


async def test_find_tools_says_so_when_nothing_matches(home):
    model = ScriptedModel(calls((FIND_TOOLS, {"query": "zzzz qqqq"})), "none")
    session = scripted_session(home, model, *many_tools(), max_tools=12)

    events = await send(session, "find something")

    [result] = of(events, ToolResult)
    assert result.ok and result.output.startswith(f"No tool matches 'zzzz qqqq' among {len(session.tools())} tools")


async def test_an_unknown_tool_among_many_points_to_find_tools_instead_of_listing_them_all():
    registry = ToolRegistry(many_tools())
    executor = ToolExecutor(registry, selection=ToolSelection(cap=12))

    [result] = await executor.run([ToolCallPart(id="c1", name="no_such_tool", arguments="{}")], lambda e: None)

    assert not result.ok and f"Call {FIND_TOOLS}" in result.output
    assert "weather__list_weather" not in result.output


async def test_a_plugin_of_the_same_name_keeps_its_find_tools_while_tools_fit(home):
    own = make(FIND_TOOLS, "The plugin's own finder.")
    model = ScriptedModel(calls((FIND_TOOLS, {"target": "x"})), "done")
    session = scripted_session(home, model, own, *many_tools()[:5], max_tools=64)

    events = await send(session, "find")

    [result] = of(events, ToolResult)
    assert result.output == "find_tools ran on x"


def test_the_cap_is_a_setting_checked_like_any_other(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("max_tools = 1\n")
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    from agentsh.config import load_settings

    with pytest.raises(ConfigError, match="max_tools"):
        load_settings()
    assert Settings().max_tools == 64
