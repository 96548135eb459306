"""In one long-lived session, plugin files change the tool set before the next model call."""

from __future__ import annotations

import os
from pathlib import Path

from agentsh.config import Settings
from agentsh.events import Notice, ToolResult
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.session import Session

WEATHER = '''
from agentsh import tool

@tool
def weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"
'''
WEATHER_V2 = WEATHER.replace("city: str", "city: str, unit: str = 'celsius'").replace("sunny", "rainy")


def write(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a distinct stamp even within one clock tick
    os.utime(path, ns=(stamp, stamp))


def offered(model: ScriptedModel, index: int = -1) -> dict[str, dict]:
    return {t["function"]["name"]: t["function"]["parameters"] for t in model.requests[index].request.tools}


async def turn(session: Session, text: str) -> list:
    return [event async for event in session.send(text)]


async def test_add_edit_break_and_delete_a_plugin_between_turns(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    session = Session.open(Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins]))
    session.model = model = ScriptedModel(default="ok")

    await turn(session, "first")
    assert "weather" not in offered(model)

    write(plugins / "weather.py", WEATHER)
    events = await turn(session, "second")
    assert "weather" in offered(model)
    assert any(isinstance(e, Notice) and "weather.py: 1 tool loaded" in e.message for e in events)

    write(plugins / "weather.py", WEATHER_V2)
    model.add(calls(("weather", {"city": "Oslo", "unit": "celsius"})), "done")
    events = await turn(session, "third")
    assert "unit" in offered(model, -2)["weather"]["properties"]
    assert any(isinstance(e, ToolResult) and e.output == "rainy in Oslo" for e in events)

    write(plugins / "weather.py", "def broken(:\n")
    events = await turn(session, "fourth")
    failure = next(e for e in events if isinstance(e, Notice) and "weather.py" in e.message)
    assert "failed to load" in failure.message and "line 1" in failure.message
    assert "weather" not in offered(model) and "calculator" in offered(model)

    write(plugins / "weather.py", WEATHER)
    await turn(session, "fifth")
    (plugins / "weather.py").unlink()
    events = await turn(session, "sixth")
    assert "weather" not in offered(model)
    assert any(isinstance(e, Notice) and "weather.py: removed" in e.message for e in events)


async def test_a_plugin_written_during_a_tool_loop_is_offered_at_the_next_model_call(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    session = Session.open(Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins]))

    def write_plugin_then_call_calculator(request):
        write(plugins / "weather.py", WEATHER)
        return calls(("calculator", {"expression": "1+1"}))

    session.model = model = ScriptedModel(write_plugin_then_call_calculator, "done")
    await turn(session, "go")
    assert "weather" not in offered(model, 0) and "weather" in offered(model, 1)


async def test_an_exception_at_import_names_the_line_and_spares_the_others(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    write(plugins / "a_good.py", WEATHER)
    write(plugins / "b_bad.py", "import os\nraise RuntimeError('no config')\n")
    session = Session.open(Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins]))
    assert any("b_bad.py" in n and "RuntimeError at line 2" in n for n in session.notices)
    assert "weather" in session.registry


async def test_a_slow_plugin_import_during_a_turn_never_stops_the_event_loop(tmp_path):
    import asyncio
    import time

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    session = Session.open(Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins]))
    session.model = model = ScriptedModel(default="ok")
    write(plugins / "slow.py", "import time\ntime.sleep(1.5)\n" + WEATHER)
    gaps, running = [], True

    async def ticker() -> None:  # what a UI does between frames: it must keep its turn
        last = time.monotonic()
        while running:
            await asyncio.sleep(0.02)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    ticking = asyncio.ensure_future(ticker())
    events = await turn(session, "go")
    running = False
    await ticking
    assert "weather" in offered(model)
    assert any(isinstance(e, Notice) and "slow.py: 1 tool loaded" in e.message for e in events)
    assert max(gaps) < 0.75, max(gaps)
