"""Load tools and event hooks from plugin directories and installed entry points.

A plugin is a plain .py file of `@tool` functions (and `@on` hooks). `refresh()`
compares file stamps with the last load and re-imports only what changed, so it runs
before every model call for next to nothing. A file that fails to import is reported
with its line and skipped, and its tools are dropped: after a broken edit the model
never calls a stale version the user believes is gone.

Same-named tools: the later source wins (bundled < user < --plugins < workspace;
files in name order within a directory), with a warning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import Any

from ..tools.registry import ToolRegistry
from ..tools.tool import Tool
from .hooks import Hook, HookBus

ENTRY_POINT_GROUP = "agentsh.plugins"


@dataclass
class PluginStatus:
    name: str
    path: Path | None
    tools: list[Tool] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    error: str | None = None
    stamp: tuple[int, int] = (0, 0)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]


def bundled_plugin_dir() -> Path:
    return Path(str(resources.files("agentsh.bundled_plugins")))


class PluginLoader:
    def __init__(self, directories: list[Path], registry: ToolRegistry, hooks: HookBus | None = None, entry_points: bool = True) -> None:
        self.directories = _unique_dirs(directories)
        self.registry = registry
        self.hooks = hooks or HookBus()
        self.plugins: dict[Path, PluginStatus] = {}
        self.installed: list[PluginStatus] = _load_entry_points() if entry_points else []
        self.warnings: list[str] = []
        self._builtin = list(registry)
        self._built = False
        self._snapshot: tuple = ()
        self._reported: set[str] = set()

    def add_builtin(self, tools: list[Tool]) -> None:
        """Tools that come with agentsh itself: kept through every reload (a plugin may still replace one)."""
        self._builtin += tools
        self._rebuild()

    def refresh(self) -> list[str]:
        """Bring tools and hooks in line with the files on disk; return what changed, a line each."""
        snapshot = _snapshot(self.directories)
        if snapshot == self._snapshot and self._built:
            return []
        self._snapshot = snapshot
        found = {Path(path): (mtime, size) for path, mtime, size in snapshot}
        changes = [self._unload(path) for path in list(self.plugins) if path not in found]
        for path, stamp in found.items():
            known = self.plugins.get(path)
            if known is None or known.stamp != stamp:
                changes.append(self._load(path, stamp))
        if changes or not self._built:
            self._rebuild()
        return changes

    def warnings_once(self) -> list[str]:
        """Name-clash warnings not reported yet (each is shown once per session)."""
        fresh = [w for w in self.warnings if w not in self._reported]
        self._reported.update(fresh)
        return fresh

    def statuses(self) -> list[PluginStatus]:
        return [*self.installed, *(self.plugins[p] for p in self._ordered_paths())]

    def _load(self, path: Path, stamp: tuple[int, int]) -> str:
        status = PluginStatus(name=path.name, path=path, stamp=stamp)
        try:
            module = _import_file(path)
            status.tools, status.hooks = _collect(module, str(path))
        except BaseException as error:  # a plugin may raise anything, even SystemExit
            status.error = _describe_failure(path, error)
        self.plugins[path] = status
        if status.error:
            return f"{path.name}: failed to load: {status.error}"
        count = len(status.tools)
        return f"{path.name}: {count} tool{'' if count == 1 else 's'} loaded"

    def _unload(self, path: Path) -> str:
        self.plugins.pop(path, None)
        return f"{path.name}: removed"

    def _rebuild(self) -> None:
        self._built = True
        for item in list(self.registry):
            self.registry.remove(item.name)
        self.warnings = []
        self.hooks.hooks = []
        for item in self._builtin:
            self.registry.add(item)
        for status in self.statuses():
            self.hooks.hooks += status.hooks
            for item in status.tools:
                warning = self.registry.add(item)
                if warning:
                    self.warnings.append(warning)

    def _ordered_paths(self) -> list[Path]:
        order = {d: i for i, d in enumerate(self.directories)}
        return sorted(self.plugins, key=lambda p: (order.get(p.parent, len(order)), p.name))


def _unique_dirs(directories: list[Path]) -> list[Path]:
    seen: dict[Path, Path] = {}
    for directory in directories:
        real = Path(os.path.realpath(Path(directory).expanduser()))
        seen.setdefault(real, real)
    return list(seen)


def _snapshot(directories: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of every plugin file: plain strings and ints, cheap to compare."""
    stamps = []
    for directory in directories:
        try:
            entries = os.scandir(directory)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                if name.endswith(".py") and name[0] not in "_.":
                    try:
                        stat = entry.stat()
                    except OSError:
                        continue
                    stamps.append((entry.path, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def _import_file(path: Path) -> ModuleType:
    module_name = f"agentsh_plugin_{hashlib.sha1(str(path).encode()).hexdigest()[:10]}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _collect(container: Any, source: str) -> tuple[list[Tool], list[Hook]]:
    """The tools and hooks a module defines itself (not ones it imported), or an entry point's objects."""
    if isinstance(container, ModuleType):
        values = [v for v in vars(container).values() if getattr(getattr(v, "function", None), "__module__", None) == container.__name__]
    else:
        values = _as_list(container)
    tools = [v for v in values if isinstance(v, Tool)]
    hooks = [v for v in values if isinstance(v, Hook)]
    sourced: list[Tool | Hook] = [*tools, *hooks]
    for item in sourced:
        item.source = source
    return tools, hooks


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _load_entry_points() -> list[PluginStatus]:
    statuses = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        status = PluginStatus(name=f"{entry.name} (entry point {entry.value})", path=None)
        try:
            status.tools, status.hooks = _collect(entry.load(), f"entry point {entry.name}")
        except BaseException as error:
            status.error = f"{type(error).__name__}: {error}"
        statuses.append(status)
    return statuses


def _describe_failure(path: Path, error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__} at line {error.lineno}: {error.msg}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    where = f" at line {frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}: {error}"
