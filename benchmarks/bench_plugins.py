"""Hot reload's cost: the plugin check before every model call, when nothing changed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from agentsh.plugin_loader.loader import PluginLoader
from agentsh.tools.registry import ToolRegistry

from harness import Figure, median, time_calls

PLUGIN = '''
from agentsh import tool

@tool
def tool_{n}(text: str) -> str:
    """Echo {n}."""
    return text
'''


def figures(quick: bool = False) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        for n in range(50):
            Path(folder, f"plugin_{n:02}.py").write_text(PLUGIN.format(n=n))
        loader = PluginLoader([Path(folder)], ToolRegistry(), entry_points=False)
        loader.refresh()
        samples = time_calls(loader.refresh, 200 if quick else 2000)
        floor = time_calls(lambda: [e.stat() for e in os.scandir(folder)], 200 if quick else 2000)
    measured = median(samples)
    return [Figure("plugin check, nothing changed, 50 files", measured, median(floor), "≤ 0.2 ms", met=measured <= 0.2)]
