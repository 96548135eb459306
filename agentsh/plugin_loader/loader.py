"""Load tools and event hooks from plugin directories and installed entry points.

A plugin is a plain .py file of `@tool` functions (and `@on` hooks, and `@step` functions for workflows). `refresh()`
compares file stamps with the last load and re-imports only what changed, so it runs
before every model call for next to nothing. A file that fails to import is reported
with its line and skipped, and its tools are dropped: after a broken edit the model
never calls a stale version the user believes is gone.

Same-named tools: the later source wins (bundled < user < --plugins < workspace;
files in name order within a directory), with a warning.

A file is imported in a thread of its own, with a deadline (IMPORT_DEADLINE): one that sleeps or
loops at import is skipped and the others load; what it prints is captured and reported, and
`sys.exit()` or KeyboardInterrupt at import is a failure like any other. (`os._exit()` cannot be
stopped: it ends the process at once.)
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import threading
import traceback
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Protocol

from ..errors import PluginError
from ..tools.capture import captured_output
from ..tools.registry import ToolRegistry
from ..tools.steps import StepFunction
from ..tools.tool import Tool
from .hooks import Hook, HookBus
from .progress import IMPORT_REPORTER

ENTRY_POINT_GROUP = "agentsh.plugins"
IMPORT_DEADLINE = 5.0  # seconds a plugin file may take to import


@dataclass
class PluginStatus:
    name: str
    path: Path | None
    tools: list[Tool] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    steps: list[StepFunction] = field(default_factory=list)
    failure: PluginError | None = None
    stamp: tuple[int, int] = (0, 0)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def error(self) -> str | None:
        """Why it failed to load, without the plugin's name (as `/plugins` lists it)."""
        return None if self.failure is None else self.failure.detail

    @property
    def tool_names(self) -> list[str]:
        return [t.name for t in self.tools]


@dataclass(frozen=True)
class PluginChange:
    """One line about the tool set for the user: a file loaded, removed or broken, or a name clash."""

    message: str
    level: Literal["info", "warning"] = "info"  # a file that failed to load, or a name clash, is a warning


class ToolSource(Protocol):
    """Tools from elsewhere than files (MCP servers): rebuilt into the registry whenever `stamp()` changes."""

    def stamp(self) -> object: ...

    def tools(self) -> list[Tool]: ...

    def news(self) -> list[PluginChange]: ...


def bundled_plugin_dir() -> Path:
    return Path(str(resources.files("agentsh.bundled_plugins")))


class PluginLoader:
    def __init__(self, directories: list[Path], registry: ToolRegistry, hooks: HookBus | None = None, entry_points: bool = True) -> None:
        self.directories = _unique_dirs(directories)
        self.registry = registry
        self.hooks = hooks or HookBus()
        self.steps: dict[str, StepFunction] = {}  # workflow steps (`@step`), by name: the later source wins
        self.plugins: dict[Path, PluginStatus] = {}
        self.installed: list[PluginStatus] = installed_plugins() if entry_points else []
        self.warnings: list[str] = []
        self._builtin = list(registry)
        self._built = False
        self._snapshot: tuple = ()
        self._reported: set[str] = set()
        self.sources: list[ToolSource] = []
        self._source_stamps: tuple = ()
        self._lock = threading.RLock()  # a turn refreshes in a worker thread; a UI's listing on its own

    def add_builtin(self, tools: list[Tool]) -> None:
        """Tools that come with agentsh itself: kept through every reload (a plugin may still replace one)."""
        self._builtin += tools
        self._rebuild()

    def add_source(self, source: ToolSource) -> None:
        """Another source of tools (MCP servers), after the plugin files; refreshed with them."""
        self.sources.append(source)
        self._source_stamps = tuple(known.stamp() for known in self.sources)  # rebuilt now: the next refresh need not
        self._rebuild()

    def refresh(self) -> list[PluginChange]:
        """Bring tools and hooks in line with the files on disk and the other sources; return what changed, a line each."""
        with self._lock:
            return self._refresh()

    def has_news(self) -> bool:
        """Cheap (the files' stamps only): whether `news()` has anything to load or to say."""
        return not self._built or _snapshot(self.directories) != self._snapshot or any(w not in self._reported for w in self.warnings)

    def _refresh(self) -> list[PluginChange]:
        snapshot = _snapshot(self.directories)
        news = [change for source in self.sources for change in source.news()]
        if self._source_stamps != tuple(source.stamp() for source in self.sources):
            self._rebuild()
        if snapshot == self._snapshot and self._built:
            return news
        self._snapshot = snapshot
        found = {Path(path): (mtime, size) for path, mtime, size in snapshot}
        changes = [self._unload(path) for path in list(self.plugins) if path not in found]
        for path, stamp in found.items():
            known = self.plugins.get(path)
            if known is None or known.stamp != stamp:
                changes.append(self._load(path, stamp))
        if changes or not self._built:
            self._rebuild()
        return changes + news

    def warnings_once(self) -> list[PluginChange]:
        """Name-clash warnings not reported yet (each is shown once per session)."""
        fresh = [w for w in self.warnings if w not in self._reported]
        self._reported.update(fresh)
        return [PluginChange(w, "warning") for w in fresh]

    def news(self) -> list[PluginChange]:
        """What to tell the user now: changes on disk since the last look, then clashes not reported yet."""
        with self._lock:
            return self.refresh() + self.warnings_once()

    def statuses(self) -> list[PluginStatus]:
        return [*self.installed, *(self.plugins[p] for p in self._ordered_paths())]

    def _load(self, path: Path, stamp: tuple[int, int]) -> PluginChange:
        status = PluginStatus(name=path.name, path=path, stamp=stamp)
        self.plugins[path] = status
        if (report := IMPORT_REPORTER.get()) is not None:
            report(path.name)
        outcome = _import_plugin(path, stamp)
        if outcome is None:
            status.failure = PluginError(path.name, f"took longer than {IMPORT_DEADLINE:g} s to import; skipped")
            return PluginChange(f"plugin {path.name} took longer than {IMPORT_DEADLINE:g} s to import; skipped", "warning")
        printed = f" ({path.name} printed while importing: {outcome.printed})" if outcome.printed else ""
        if outcome.error is not None:
            status.failure = PluginError(path.name, _describe_failure(path, outcome.error))
            return PluginChange(f"{status.failure}{printed}", "warning")
        status.tools, status.hooks, status.steps = list(outcome.tools), list(outcome.hooks), list(outcome.steps)
        count = len(status.tools)
        return PluginChange(f"{path.name}: {count} tool{'' if count == 1 else 's'} loaded{printed}", "warning" if printed else "info")

    def _unload(self, path: Path) -> PluginChange:
        self.plugins.pop(path, None)
        return PluginChange(f"{path.name}: removed")

    def _rebuild(self) -> None:
        self._built = True
        self._source_stamps = tuple(source.stamp() for source in self.sources)
        for item in list(self.registry):
            self.registry.remove(item.name)
        self.warnings = []
        self.hooks.hooks = []
        self.steps = {}
        for item in self._builtin:
            self.registry.add(item)
        for status in self.statuses():
            self.hooks.hooks += status.hooks
            self.steps.update((item.name, item) for item in status.steps)
            self._add_all(status.tools)
        for source in self.sources:
            self._add_all(source.tools())

    def _add_all(self, tools: list[Tool]) -> None:
        for item in tools:
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
                if name.endswith(".py") and name[0] not in "_.":  # _helpers.py are a plugin's own modules
                    try:
                        stat = entry.stat()
                    except OSError:
                        continue
                    stamps.append((entry.path, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


@dataclass
class _Imported:
    tools: list[Tool] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    steps: list[StepFunction] = field(default_factory=list)
    error: BaseException | None = None
    printed: str = ""


_bundled_lock = threading.Lock()
_bundled: dict[tuple[Path, tuple[int, int]], _Imported] = {}


def _import_plugin(path: Path, stamp: tuple[int, int]) -> _Imported | None:
    """Import a plugin file; agentsh's own (bundled) files once a process, for as long as they are unchanged.

    Only the bundled ones are shared between sessions: they keep no state at module level (a tool's
    workspace comes from its context). Another plugin file is imported again for each session, so its
    module-level state stays its session's own, as its author may expect.
    """
    if path.parent != _bundled_dir():
        return _import_with_deadline(path, IMPORT_DEADLINE)
    with _bundled_lock:
        known = _bundled.get((path, stamp))
        if known is None:
            known = _import_with_deadline(path, IMPORT_DEADLINE)
            if known is not None and known.error is None:
                for older in [key for key in _bundled if key[0] == path]:  # an edited checkout: the old version goes
                    del _bundled[older]
                _bundled[(path, stamp)] = known
        return known


@functools.cache  # a realpath costs an lstat per part, and the package does not move
def _bundled_dir() -> Path:
    return Path(os.path.realpath(bundled_plugin_dir()))


def _import_with_deadline(path: Path, deadline: float) -> _Imported | None:
    """Import a plugin file in a daemon thread; None when it is still importing after `deadline` s.

    The thread is left to finish (Python cannot stop it); what it defines then is never used.
    """
    outcome = _Imported()

    def work() -> None:
        with captured_output() as printed:
            try:
                outcome.tools, outcome.hooks, outcome.steps = _collect(_import_file(path), str(path))
            except BaseException as error:  # a plugin may raise anything, even SystemExit
                outcome.error = error
        outcome.printed = printed.text()

    thread = threading.Thread(target=work, name=f"plugin-import-{path.name}", daemon=True)
    thread.start()
    thread.join(deadline)
    return None if thread.is_alive() else outcome


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


def _collect(container: Any, source: str) -> tuple[list[Tool], list[Hook], list[StepFunction]]:
    """The tools, hooks and steps a module defines itself (not ones it imported), or an entry point's objects."""
    if isinstance(container, ModuleType):
        values = [v for v in vars(container).values() if getattr(getattr(v, "function", None), "__module__", None) == container.__name__]
    else:
        values = _as_list(container)
    tools = [v for v in values if isinstance(v, Tool)]
    hooks = [v for v in values if isinstance(v, Hook)]
    steps = [v for v in values if isinstance(v, StepFunction)]
    sourced: list[Tool | Hook | StepFunction] = [*tools, *hooks, *steps]
    for item in sourced:
        item.source = source
    return tools, hooks, steps


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


_installed_lock = threading.Lock()
_installed: tuple[tuple[tuple[str, int], ...], list[PluginStatus]] | None = None


def installed_plugins() -> list[PluginStatus]:
    """The installed packages' plugins (entry points), scanned again only when a folder on sys.path has changed.

    Installing or removing a package changes its site-packages folder, so a session opened after
    `pip install` (/new) still sees the new plugin; a process that opens many sessions scans once.
    """
    global _installed
    with _installed_lock:
        stamps = _path_stamps()
        if _installed is None or _installed[0] != stamps:
            _installed = (stamps, _load_entry_points())
        return list(_installed[1])


def _path_stamps() -> tuple[tuple[str, int], ...]:
    stamps = []
    for entry in sys.path:
        folder = os.path.abspath(entry)  # "" is the current directory, wherever that is now
        try:
            stamps.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            stamps.append((folder, 0))
    return tuple(stamps)


def _load_entry_points() -> list[PluginStatus]:
    statuses = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        status = PluginStatus(name=f"{entry.name} (entry point {entry.value})", path=None)
        try:
            status.tools, status.hooks, status.steps = _collect(entry.load(), f"entry point {entry.name}")
        except BaseException as error:
            status.failure = PluginError(status.name, f"{type(error).__name__}: {error}")
        statuses.append(status)
    return statuses


def _describe_failure(path: Path, error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__} at line {error.lineno}: {error.msg}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(path)]
    where = f" at line {frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}: {error}"
