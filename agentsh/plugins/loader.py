"""Load tools from plugin directories: plain .py files of `@tool` functions.

`PluginLoader.refresh()` compares file stamps with the last load and re-imports only
what changed, so calling it before every model call costs next to nothing. A file that
fails to import is reported with its line and skipped, and its tools are dropped:
a broken edit must not leave a stale tool the user thinks is gone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..tools.registry import ToolRegistry
from ..tools.tool import Tool


@dataclass
class PluginStatus:
    path: Path
    tools: list[str] = field(default_factory=list)
    error: str | None = None
    stamp: tuple[int, int] = (0, 0)

    @property
    def ok(self) -> bool:
        return self.error is None


def bundled_plugin_dir() -> Path:
    return Path(str(resources.files("agentsh.bundled_plugins")))


class PluginLoader:
    def __init__(self, directories: list[Path], registry: ToolRegistry) -> None:
        self.directories = [Path(d) for d in directories]
        self.registry = registry
        self.plugins: dict[Path, PluginStatus] = {}
        self.warnings: list[str] = []

    def refresh(self) -> list[str]:
        """Bring the registry in line with the files on disk; return what changed, one line each."""
        found = self._plugin_files()
        changes = [self._unload(path) for path in list(self.plugins) if path not in found]
        for path, stamp in found.items():
            known = self.plugins.get(path)
            if known is None or known.stamp != stamp:
                changes.append(self._load(path, stamp))
        if changes:
            self._rebuild_registry()
        return changes

    def _plugin_files(self) -> dict[Path, tuple[int, int]]:
        files: dict[Path, tuple[int, int]] = {}
        for directory in self.directories:
            try:
                entries = sorted(directory.glob("*.py"))
            except OSError:
                continue
            for path in entries:
                if not path.name.startswith("_"):
                    stat = _stat(path)
                    if stat is not None:
                        files[path] = stat
        return files

    def _load(self, path: Path, stamp: tuple[int, int]) -> str:
        status = PluginStatus(path=path, stamp=stamp)
        try:
            status.tools = [t.name for t in _import_tools(path)]
        except BaseException as error:  # a plugin may raise anything, even SystemExit
            status.error = _describe_failure(path, error)
        self.plugins[path] = status
        if status.error:
            return f"{path.name}: failed to load: {status.error}"
        return f"{path.name}: {len(status.tools)} tool{'s' if len(status.tools) != 1 else ''} loaded"

    def _unload(self, path: Path) -> str:
        self.plugins.pop(path, None)
        return f"{path.name}: removed"

    def _rebuild_registry(self) -> None:
        for name in [t.name for t in self.registry if t.source is not None]:
            self.registry.remove(name)
        self.warnings = []
        for path in self._ordered_paths():
            for item in _LOADED_TOOLS.get(path, []):
                warning = self.registry.add(item)
                if warning:
                    self.warnings.append(warning)

    def _ordered_paths(self) -> list[Path]:
        order = {d: i for i, d in enumerate(self.directories)}
        return sorted(self.plugins, key=lambda p: (order.get(p.parent, len(order)), p.name))


_LOADED_TOOLS: dict[Path, list[Tool]] = {}


def _import_tools(path: Path) -> list[Tool]:
    module_name = f"agentsh_plugin_{hashlib.sha1(str(path).encode()).hexdigest()[:10]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        _LOADED_TOOLS.pop(path, None)
        raise
    tools = [value for value in vars(module).values() if isinstance(value, Tool)]
    for item in tools:
        item.source = str(path)
    _LOADED_TOOLS[path] = tools
    return tools


def _describe_failure(path: Path, error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__} at line {error.lineno}: {error.msg}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    where = f" at line {frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}: {error}"


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
