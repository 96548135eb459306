"""The plugin loader on its own: which files it loads, and how a broken one is recorded."""

from __future__ import annotations

from pathlib import Path

from agentsh.errors import PluginError
from agentsh.plugin_loader.loader import PluginChange, PluginLoader
from agentsh.tools.registry import ToolRegistry


def tool_file(name: str) -> str:
    return f'''
from agentsh import tool

@tool
def {name}(text: str) -> str:
    """Echo the text."""
    return text
'''


def loader_on(directory: Path) -> PluginLoader:
    return PluginLoader([directory], ToolRegistry(), entry_points=False)


def test_a_file_starting_with_an_underscore_is_a_helper_not_a_plugin(tmp_path):
    (tmp_path / "_helper.py").write_text(tool_file("hidden"))
    (tmp_path / "visible.py").write_text(tool_file("shown"))
    loader = loader_on(tmp_path)

    changes = loader.refresh()

    assert loader.registry.names() == ["shown"]
    assert [status.name for status in loader.statuses()] == ["visible.py"]
    assert changes == [PluginChange("visible.py: 1 tool loaded")]


def test_a_file_that_fails_to_load_is_recorded_as_a_plugin_error_and_reported_as_a_warning(tmp_path):
    (tmp_path / "broken.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "fine.py").write_text(tool_file("fine"))
    loader = loader_on(tmp_path)

    changes = loader.refresh()

    broken = next(status for status in loader.statuses() if status.name == "broken.py")
    assert isinstance(broken.failure, PluginError) and not broken.ok
    assert broken.error == "ModuleNotFoundError at line 1: No module named 'not_a_module_anywhere'"
    expected = "broken.py: failed to load: ModuleNotFoundError at line 1: No module named 'not_a_module_anywhere'"
    assert str(broken.failure) == expected
    assert PluginChange(expected, "warning") in changes
    assert loader.registry.names() == ["fine"]
