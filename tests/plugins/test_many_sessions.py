"""One process opening many sessions (the service, /new): what each session's plugins are.

agentsh's own plugin files are imported once a process while unchanged; any other plugin file is
imported for each session, so its module-level state stays that session's own. Installed packages'
plugins are scanned again when a folder on sys.path changes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from agentsh.config import Settings
from agentsh.memory.store import MemoryStore
from agentsh.memory.tools import memory_tools
from agentsh.plugin_loader import loader as loader_module
from agentsh.plugin_loader.loader import PluginLoader
from agentsh.session import open_store
from agentsh.tools.registry import ToolRegistry

COUNTER = '''
from agentsh import tool

CALLS = []

@tool
def count(text: str) -> str:
    """Count the calls."""
    CALLS.append(text)
    return str(len(CALLS))
'''


def echo_file(name: str) -> str:
    return f'from agentsh import tool\n\n@tool\ndef {name}(text: str) -> str:\n    """Echo."""\n    return text\n'


def session_loader(directory: Path) -> PluginLoader:
    loader = PluginLoader([directory], ToolRegistry(), entry_points=False)
    loader.refresh()
    return loader


def rewrite(path: Path, text: str) -> None:
    before = path.stat()
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))  # a later stamp even on a coarse clock


def test_two_sessions_keep_their_own_plugin_module_state(tmp_path):
    (tmp_path / "counter.py").write_text(COUNTER)
    first, second = session_loader(tmp_path), session_loader(tmp_path)

    assert asyncio.run(first.registry.get("count").invoke({"text": "a"})) == "1"
    assert asyncio.run(first.registry.get("count").invoke({"text": "b"})) == "2"
    assert asyncio.run(second.registry.get("count").invoke({"text": "c"})) == "1"


def test_a_later_session_sees_an_edited_bundled_plugin_and_not_a_removed_one(tmp_path, monkeypatch):
    monkeypatch.setattr(loader_module, "_bundled_dir", lambda: Path(os.path.realpath(tmp_path)))  # this folder is agentsh's own
    plugin = tmp_path / "words.py"
    plugin.write_text(echo_file("alpha"))
    first = session_loader(tmp_path)
    assert session_loader(tmp_path).registry.get("alpha") is first.registry.get("alpha")  # imported once, shared

    rewrite(plugin, echo_file("beta_longer"))
    assert session_loader(tmp_path).registry.names() == ["beta_longer"]
    assert first.refresh() and first.registry.names() == ["beta_longer"]  # hot reload in an open session too

    plugin.unlink()
    assert session_loader(tmp_path).registry.names() == []


def test_a_later_session_sees_an_edited_workspace_plugin(tmp_path):
    plugin = tmp_path / "words.py"
    plugin.write_text(echo_file("alpha"))
    session_loader(tmp_path)
    rewrite(plugin, echo_file("beta_longer"))
    assert session_loader(tmp_path).registry.names() == ["beta_longer"]


def test_a_package_installed_between_two_sessions_is_seen_by_the_second(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert "forecast" not in _installed_tools()
    (site / "weather_pkg2").mkdir()
    (site / "weather_pkg2" / "__init__.py").write_text(echo_file("forecast"))
    info = site / "weather_pkg2-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weather-pkg2\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[agentsh.plugins]\nweather = weather_pkg2\n")
    try:
        assert "forecast" in _installed_tools()
    finally:
        sys.modules.pop("weather_pkg2", None)


def _installed_tools() -> list[str]:
    loader = PluginLoader([], ToolRegistry())
    loader.refresh()
    return loader.registry.names()


def test_two_sessions_memory_tools_write_as_their_own_session(tmp_path):
    memories = MemoryStore(open_store(Settings(home=tmp_path / "home", model="offline")).db)
    first, second = memory_tools(memories, lambda: "session-one"), memory_tools(memories, lambda: "session-two")
    assert first[0].parameters is second[0].parameters  # the schema is built once
    asyncio.run(first[0].invoke({"text": "tea is green"}))
    asyncio.run(second[0].invoke({"text": "coffee is black"}))
    assert {m.text: m.source_session_id for m in memories.list()} == {"tea is green": "session-one", "coffee is black": "session-two"}
