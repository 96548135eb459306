"""Where plugins come from, in precedence order, and what agentsh protects from tools."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Settings, config_dir, config_path
from .loader import bundled_plugin_dir
from .trust import WORKSPACE_PLUGIN_DIRS, is_trusted, trust_file, workspace_plugin_dirs


def user_plugin_dir() -> Path:
    return config_dir() / "plugins"


def plugin_directories(settings: Settings, workspace: Path) -> tuple[list[Path], list[str]]:
    """Bundled, the user's, --plugins / config ones, then the workspace's own when trusted.

    Returns the directories and one-line notices (an untrusted workspace's plugins are skipped).
    """
    bundled = bundled_plugin_dir()
    directories = [bundled, user_plugin_dir(), *[Path(d).expanduser() for d in settings.plugin_dirs]]
    notices = []
    chosen = {_real(d) for d in directories}  # a folder named with --plugins is the user's own choice
    workspace_dirs = [d for d in workspace_plugin_dirs(workspace) if _real(d) not in chosen]
    if workspace_dirs and is_trusted(workspace):
        directories += workspace_dirs
    elif workspace_dirs:
        names = " and ".join(f"{d.relative_to(workspace)}/" for d in workspace_dirs)
        notices.append(f"this folder has its own plugins ({names}), written by whoever wrote the folder: not loaded. Run `agentsh trust` here to load them.")
    return directories, notices


def protected_paths(settings: Settings, directories: list[Path], home: Path, workspace: Path | None = None) -> list[Path]:
    """Config, trust list, data home and every plugin directory; in a trusted workspace also its own
    plugin folders, even before they exist (a tool must not create one that the next session loads)."""
    workspace = workspace or Path.cwd()
    trusted = [workspace / name for name in WORKSPACE_PLUGIN_DIRS] if is_trusted(workspace) else []
    return [config_dir(), config_path(), trust_file(), home, *directories, *trusted]


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
