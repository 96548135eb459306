"""Plugins subscribe to events with @on; pip-installed plugins come through entry points."""

from __future__ import annotations

import sys
from pathlib import Path

from agentsh.config import Settings
from agentsh.events import Notice, TurnDone
from agentsh.plugin_loader.loader import PluginLoader
from agentsh.session import Session
from agentsh.tools.registry import ToolRegistry

HOOKS = '''
from pathlib import Path
from agentsh import on

LOG = Path(__file__).with_name("seen.log")

@on("tool_result")
def record(event):
    with LOG.open("a") as log:
        log.write(f"{event.name}={event.output}\\n")

@on("done")
async def finished(event):
    with LOG.open("a") as log:
        log.write("done\\n")

@on("tool_result")
def explode(event):
    raise RuntimeError("hook bug")
'''


async def test_hooks_see_events_and_a_failing_hook_is_reported_not_fatal(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "audit.py").write_text(HOOKS)
    session = Session.open(Settings(home=tmp_path / "home", model="offline", plugin_dirs=[plugins]))
    events = [e async for e in session.send("use the calculator to add 2 and 3")]
    assert isinstance(events[-1], TurnDone) and not events[-1].failed and "5" in events[-1].output
    assert (plugins / "seen.log").read_text().splitlines()[0] == "calculator=5"
    failures = [e for e in events if isinstance(e, Notice) and "explode" in e.message]
    assert len(failures) == 1 and "RuntimeError: hook bug" in failures[0].message


def test_an_installed_package_s_entry_point_provides_tools(tmp_path, monkeypatch):
    package = tmp_path / "site"
    (package / "weather_pkg").mkdir(parents=True)
    (package / "weather_pkg" / "__init__.py").write_text(
        "from agentsh import tool\n\n@tool\ndef forecast(city: str) -> str:\n    '''Forecast.'''\n    return 'fine'\n"
    )
    info = package / "weather_pkg-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weather-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[agentsh.plugins]\nweather = weather_pkg\n")
    monkeypatch.syspath_prepend(str(package))
    loader = PluginLoader([], ToolRegistry())
    loader.refresh()
    assert "forecast" in loader.registry
    assert any("entry point" in s.name and s.ok for s in loader.statuses())
    sys.modules.pop("weather_pkg", None)


def test_a_broken_entry_point_is_reported_and_the_rest_loads(tmp_path, monkeypatch):
    package = tmp_path / "site"
    info = package / "broken_pkg-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-pkg\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[agentsh.plugins]\nbroken = no_such_module_here\n")
    monkeypatch.syspath_prepend(str(package))
    loader = PluginLoader([Path(__file__).parents[2] / "plugins"], ToolRegistry())
    loader.refresh()
    broken = [s for s in loader.statuses() if "broken" in s.name]
    assert broken and not broken[0].ok and "ModuleNotFoundError" in broken[0].error
    assert "calculator" in loader.registry
