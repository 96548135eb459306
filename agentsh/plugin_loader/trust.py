"""Which workspace folders the user trusts to run their own plugins.

A repository's `./plugins` or `./.agentsh/plugins` is code from whoever wrote that
repository: it is imported only once the user has trusted the folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..config import config_dir
from ..errors import ConfigError

WORKSPACE_PLUGIN_DIRS = ("plugins", ".agentsh/plugins")


def trust_file() -> Path:
    return config_dir() / "trusted.json"


def trusted_folders() -> list[Path]:
    try:
        data = json.loads(trust_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the trust list {trust_file()}: {error}") from None
    return [Path(p) for p in data.get("trusted", []) if isinstance(p, str)]


def is_trusted(folder: Path) -> bool:
    return Path(os.path.realpath(folder)) in trusted_folders()


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
