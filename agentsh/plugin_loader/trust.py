"""Which workspace folders the user trusts to run their own plugins.

A repository's `./plugins` or `./.agentsh/plugins` is code from whoever wrote that
repository: it is imported only once the user has trusted the folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# The trust list is read by config too (a project store needs a trusted folder): it lives there.
from ..config import is_trusted, trust_file, trusted_folders

__all__ = ["WORKSPACE_PLUGIN_DIRS", "is_trusted", "set_trust", "trust_file", "trusted_folders", "workspace_plugin_dirs"]

WORKSPACE_PLUGIN_DIRS = ("plugins", ".agentsh/plugins")


def set_trust(folder: Path, trusted: bool) -> None:
    real = Path(os.path.realpath(folder))
    folders = [p for p in trusted_folders() if p != real] + ([real] if trusted else [])
    path = trust_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".partial")
    temporary.write_text(json.dumps({"trusted": [str(p) for p in folders]}, indent=2), encoding="utf-8")
    temporary.replace(path)


def workspace_plugin_dirs(folder: Path) -> list[Path]:
    return [folder / name for name in WORKSPACE_PLUGIN_DIRS if (folder / name).is_dir()]
