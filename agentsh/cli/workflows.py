"""`agentsh workflows list | check [NAME] | show NAME`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from ..config import settings_from_args
from ..errors import WorkflowError
from ..modes import mode_names
from ..plugin_loader.directories import plugin_directories
from ..plugin_loader.loader import PluginLoader
from ..profiles import remote_profiles, resolve_profiles
from ..text import counted
from ..tools.registry import ToolRegistry
from ..workflows.drawing import draw
from ..workflows.loader import Context, WorkflowCatalog, workflow_directories


def _catalog(args: argparse.Namespace) -> tuple[WorkflowCatalog, list[str]]:
    settings = settings_from_args(args)
    workspace = Path.cwd()
    directories, notices = plugin_directories(settings, workspace)
    plugins = PluginLoader(directories, ToolRegistry())
    plugins.refresh()
    folders, more = workflow_directories(workspace)
    context = Context(
        profiles=lambda: set(resolve_profiles(settings.agents)), remote=lambda: remote_profiles(settings.agents), tools=lambda: list(plugins.registry),
        modes=lambda: set(mode_names()), steps=lambda: plugins.steps,
    )
    catalog = WorkflowCatalog(folders, context)
    catalog.refresh()
    return catalog, notices + more


def workflows_command(args: argparse.Namespace) -> int:
    catalog, notices = _catalog(args)
    for notice in notices:
        print(f"agentsh: {notice}")
    action = args.workflows_command
    if action == "list":
        return _list(catalog, args.json)
    if action == "check":
        return _check(catalog, args.name, args.json)
    return _show(catalog, args.name)


def _list(catalog: WorkflowCatalog, as_json: bool) -> int:
    rows = [_row(status) for status in catalog.statuses.values()]
    if as_json:
        print(json.dumps({"workflows": rows}, indent=2))
        return 0
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for row in rows:
        state = "ok" if not row["problems"] else f"{counted(len(row['problems']), 'problem')}: agentsh workflows check {row['name']}"
        line = f"{row['name']:<20} [{state}]  {' '.join(row['description'].split())}"
        print(line[: width - 1] + "…" if width and len(line) > width else line)  # on a terminal one line each
    if not rows:
        print("no workflows: write one in ~/.config/agentsh/workflows/NAME.toml")
    return 0


def _row(status) -> dict:
    workflow = status.workflow
    return {
        "name": status.name, "path": str(status.path), "description": workflow.spec.description if workflow else "",
        "problems": list(status.problems),
    }


def _check(catalog: WorkflowCatalog, name: str | None, as_json: bool) -> int:
    found = catalog.check(name)
    if as_json:
        print(json.dumps({n: [str(p) for p in problems] for n, problems in found.items()}, indent=2))
    else:
        for workflow, problems in found.items():
            print(f"{workflow}: ok" if not problems else "\n".join(str(problem) for problem in problems))
    return 1 if any(found.values()) else 0


def _show(catalog: WorkflowCatalog, name: str) -> int:
    status = catalog.statuses.get(name)
    if status is None or status.workflow is None:
        catalog.get(name)  # the unknown name (with a suggestion), or why the file does not parse
        raise WorkflowError(f"workflow {name} cannot be shown")
    undo = {name: tool.compensate for name, tool in catalog.tools().items() if tool.compensate}
    print("\n".join(draw(status.workflow, undo)))
    print(f"file: {status.path}")
    for problem in status.problems:
        print(f"problem: {problem}")
    return 1 if status.problems else 0
