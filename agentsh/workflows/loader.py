"""Workflow files from their directories, reloaded when they change, checked when loaded.

Directories, later ones winning a name: the bundled examples, `~/.config/agentsh/workflows/`, and a
trusted workspace's `.agentsh/workflows/` (an untrusted one is named in a notice, never read). A
`.py` file in these directories is a plugin whose tools and `@step` functions only workflows see,
loaded by the plugin loader itself (same deadline, same reporting).

A file that does not parse or does not check is reported like a broken plugin and not runnable;
the others keep working.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..config import config_dir, is_trusted
from ..errors import PluginError, WorkflowError
from ..plugin_loader.loader import PluginChange, PluginLoader
from ..tools.registry import ToolRegistry
from ..tools.steps import StepFunction
from ..tools.tool import Tool
from .checker import Known, Problem, ToolInfo, check
from .model import AgentNode, ModeNode, PythonNode, ToolNode, Workflow, WorkflowNode, WorkflowSpec
from .positions import Positions
from .schemas import suggestion

WORKSPACE_DIR = ".agentsh/workflows"
_KINDS: dict[str, type[BaseModel]] = {"agent": AgentNode, "tool": ToolNode, "mode": ModeNode, "workflow": WorkflowNode, "python": PythonNode}


def bundled_workflow_dir() -> Path:
    return Path(str(resources.files("agentsh.bundled_workflows")))


def user_workflow_dir() -> Path:
    return config_dir() / "workflows"


def workflow_directories(workspace: Path) -> tuple[list[Path], list[str]]:
    """The directories to read, and a notice when an untrusted workspace has workflows of its own."""
    directories = [bundled_workflow_dir(), user_workflow_dir()]
    own = workspace / WORKSPACE_DIR
    if not own.is_dir():
        return directories, []
    if is_trusted(workspace):
        return [*directories, own], []
    notice = f"this folder has its own workflows ({WORKSPACE_DIR}/), written by whoever wrote the folder: not loaded."
    return directories, [f"{notice} Run `agentsh trust` here to use them."]


@dataclass
class WorkflowStatus:
    name: str
    path: Path
    stamp: tuple[int, int]
    workflow: Workflow | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.workflow is not None and not self.problems


@dataclass
class Context:
    """What the session offers a workflow: its profiles, tools and modes, and the plugins' steps."""

    profiles: Callable[[], set[str]] = lambda: set()
    remote: Callable[[], set[str]] = lambda: set()  # the profiles that are remote agents (url): text answers only
    tools: Callable[[], list[Tool]] = lambda: []
    modes: Callable[[], set[str]] = lambda: set()
    steps: Callable[[], dict[str, StepFunction]] = lambda: {}


class WorkflowCatalog:
    def __init__(self, directories: list[Path], context: Context | None = None) -> None:
        self.directories = [Path(os.path.realpath(d)) for d in directories]
        self.context = context or Context()
        self.plugins = PluginLoader(self.directories, ToolRegistry(), entry_points=False)
        self.statuses: dict[str, WorkflowStatus] = {}
        self._snapshot: tuple = ()
        self._loaded = False

    # what is known -----------------------------------------------------------------------

    def tools(self) -> dict[str, Tool]:
        """Tools a tool node may call: the session's, then those of the workflow directories' plugin files."""
        return {**{t.name: t for t in self.context.tools()}, **{t.name: t for t in self.plugins.registry}}

    def steps(self) -> dict[str, StepFunction]:
        return {**self.context.steps(), **self.plugins.steps}

    def known(self) -> Known:
        workflows = {name: s.workflow for name, s in self.statuses.items() if s.workflow is not None}
        tools = {name: ToolInfo(tool.compensate, _argument_types(tool)) for name, tool in self.tools().items()}
        return Known(self.context.profiles(), tools, self.context.modes(), workflows, set(self.steps()), self.context.remote())

    def _known_names(self) -> tuple[frozenset[str], ...]:
        context = self.context
        return frozenset(context.profiles()), frozenset(t.name for t in context.tools()), frozenset(context.modes()), frozenset(context.steps())

    @property
    def loaded(self) -> bool:
        return self._loaded

    def has_own_files(self) -> bool:
        """Whether a folder besides the bundled examples holds a workflow file (cheap: no file is read)."""
        bundled = Path(os.path.realpath(bundled_workflow_dir()))
        return any(Path(path).parent != bundled for path, _ in _snapshot(self.directories))

    def names(self) -> list[str]:
        return sorted(self.statuses)

    def get(self, name: str) -> Workflow:
        """The workflow `name`, checked; WorkflowError naming its problems, or the closest name."""
        self.refresh()
        status = self.statuses.get(name)
        if status is None:
            raise WorkflowError(f"unknown workflow {name!r}{suggestion(name, self.names())}; `agentsh workflows list` lists them")
        if not status.ok:
            raise WorkflowError(f"workflow {name} does not check:\n" + "\n".join(status.problems))
        assert status.workflow is not None
        return status.workflow

    # loading ----------------------------------------------------------------------------------

    def refresh(self) -> list[PluginChange]:
        """Re-read what changed on disk, and check every workflow again when anything did."""
        changes = self.plugins.refresh()
        snapshot = (_snapshot(self.directories), self._known_names())  # a tool or profile that came or went: check again
        if snapshot == self._snapshot and self._loaded and not changes:
            return []
        self._loaded, self._snapshot = True, snapshot
        previous = {name: status.problems for name, status in self.statuses.items()}
        self.statuses = {}
        for path, stamp in snapshot[0]:
            self._read(Path(path), stamp)
        self._check_all()
        return changes + self._news(previous)

    def _read(self, path: Path, stamp: tuple[int, int]) -> None:
        name = path.stem
        status = self.statuses[name] = WorkflowStatus(name, path, stamp)
        try:
            status.workflow = parse_workflow(name, path, path.read_text(encoding="utf-8"))
        except WorkflowError as error:
            status.problems = [str(error)]
        except (OSError, UnicodeDecodeError) as error:
            status.problems = [f"{path}:1: cannot be read: {error}"]

    def _check_all(self) -> None:
        known = self.known()
        for status in self.statuses.values():
            if status.workflow is not None:
                status.problems = [str(problem) for problem in check(status.workflow, known)]

    def _news(self, previous: dict[str, list[str]]) -> list[PluginChange]:
        news = []
        for name, status in self.statuses.items():
            if status.problems and status.problems != previous.get(name):
                news.append(PluginChange(str(PluginError(status.path.name, "; ".join(status.problems))), "warning"))
        return news

    def problems(self) -> list[str]:
        """Every broken workflow, one line each, as a broken plugin is reported."""
        return [str(PluginError(s.path.name, "; ".join(s.problems))) for s in self.statuses.values() if s.problems]

    def check(self, name: str | None = None) -> dict[str, list[Problem | str]]:
        """name -> its problems (empty: it checks), for one workflow or all."""
        self.refresh()
        chosen = [name] if name else self.names()
        if name and name not in self.statuses:
            raise WorkflowError(f"unknown workflow {name!r}{suggestion(name, self.names())}; `agentsh workflows list` lists them")
        return {n: list(self.statuses[n].problems) for n in chosen}


def _snapshot(directories: list[Path]) -> tuple[tuple[str, tuple[int, int]], ...]:
    found: dict[str, tuple[str, tuple[int, int]]] = {}
    for directory in directories:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".toml") and entry.name[0] not in "_.":
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                found[entry.name] = (entry.path, (stat.st_mtime_ns, stat.st_size))  # a later directory wins the name
    return tuple(found.values())


def _argument_types(tool: Tool) -> dict[str, str]:
    properties = tool.parameters.get("properties", {})
    return {name: str(schema.get("type", "")) for name, schema in properties.items() if isinstance(schema, dict) and "type" in schema}


_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


def parse_workflow(name: str, path: Path, text: str) -> Workflow:
    """A workflow file's spec; WorkflowError with the file and line of the first problem."""
    positions = Positions(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_AT.search(str(error))
        line = int(found.group(1)) if found else 1
        raise WorkflowError(f"{path}:{line}: not valid TOML: {_TOML_AT.sub('', str(error)).strip()}") from None
    try:
        spec = WorkflowSpec.model_validate(data)
    except ValidationError as error:
        loc, message = _problem(error, data)
        raise WorkflowError(f"{path}:{positions.line(loc)}: {message}") from None
    return Workflow(name, path, spec, positions)


def _problem(error: ValidationError, data: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """Where the first problem is (the kind tag of a node dropped from pydantic's path) and what to do."""
    first = next((e for e in error.errors() if e["type"] == "extra_forbidden"), error.errors()[0])
    loc = tuple(str(part) for part in first["loc"])
    if len(loc) > 2 and loc[0] == "nodes" and loc[2] in _KINDS:
        loc = (*loc[:2], *loc[3:])
    key = ".".join(loc)
    if first["type"] == "extra_forbidden":
        return loc, f"unknown key {key}{suggestion(loc[-1], _known_keys(loc, data))}"
    if first["type"] == "missing":
        return loc, f"{key} is required"
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return (*loc, "kind"), f"{key}.kind must be one of {', '.join(_KINDS)}"
    return loc, f"{key}: {first['msg']}"


def _known_keys(loc: tuple[str, ...], data: dict[str, Any]) -> list[str]:
    if len(loc) == 3 and loc[0] == "nodes":
        kind = data.get("nodes", {}).get(loc[1], {}).get("kind")
        model: type[BaseModel] | None = _KINDS.get(kind)
        return list(model.model_fields) if model else []
    if len(loc) == 1:
        return list(WorkflowSpec.model_fields)
    return []
