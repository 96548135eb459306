"""Snapshots of a workspace's files in a shadow git repository, for /undo and /rewind.

    shadow = ShadowRepo(data_home / "checkpoints", workspace)
    before = shadow.snapshot()          # a commit of every file git would not ignore
    ...                                 # a tool writes files
    changes = shadow.changes(before, shadow.snapshot())
    shadow.restore(before, changes)

The repository lives in agentsh's data home (`checkpoints/<hash of the workspace path>`), never in
the workspace: the user's own `.git` is not read or written (git skips every `.git` folder).
The workspace's `.gitignore` files are respected. Each process stages into its own index file,
so two agentsh processes in one folder do not wait for each other's `index.lock`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import CheckpointError

MAX_BYTES = 200 * 1000 * 1000  # a workspace bigger than this (files git would not ignore) gets no checkpoints
MAX_FILES = 50_000
GIT_TIMEOUT = 60.0  # seconds for one git command
# Highest-priority attributes: no in-tree .gitattributes may convert line ends, expand $Id$ or run a filter.
NEUTRAL_ATTRIBUTES = "* -text -eol -ident -filter -working-tree-encoding -diff -merge\n"
REF_ROOT = "refs/agentsh"


@dataclass(frozen=True)
class Change:
    """One path a turn changed: `added` paths are removed by a restore, the others written back."""

    path: str
    added: bool


class ShadowRepo:
    def __init__(self, home: Path, workspace: Path, max_bytes: int | None = None, max_files: int | None = None) -> None:
        self.workspace = Path(workspace)
        self.git_dir = Path(home) / hashlib.sha256(str(self.workspace).encode()).hexdigest()[:24]
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        self.max_files = MAX_FILES if max_files is None else max_files

    # snapshots -------------------------------------------------------------------

    def snapshot(self) -> str:
        """A commit of the workspace as it is now; CheckpointError says why there cannot be one."""
        self._ensure()
        self._check_size()
        self._git("add", "--all")
        tree = self._git("write-tree").strip()
        return self._git("commit-tree", tree, "-m", "agentsh checkpoint").strip()

    def changes(self, old: str, new: str, paths: list[str] | None = None) -> list[Change]:
        """What differs between two snapshots (only `paths`, when given), as the restore of `old` sees it."""
        if paths is not None and not paths:
            return []
        output = self._git("diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new, "--", *(paths or []))
        fields = output.split("\0")
        return [Change(path, status == "A") for status, path in zip(fields[0::2], fields[1::2], strict=False) if path]

    def restore(self, commit: str, changes: list[Change]) -> None:
        """Put each changed path back as it was in `commit`: written back, or removed if the change added it."""
        for change in (c for c in changes if c.added):
            self._remove(change.path)
        kept = [change.path for change in changes if not change.added]
        if kept:
            self._git("checkout", commit, "--", *kept)

    # refs: which snapshot belongs to which turn ------------------------------------

    def save(self, name: str, commit: str) -> None:
        self._git("update-ref", f"{REF_ROOT}/{name}", commit)

    def saved(self, prefix: str) -> dict[str, str]:
        """Saved names under `prefix` (without it) and their commits."""
        if not self.git_dir.is_dir():
            return {}
        root = f"{REF_ROOT}/{prefix}"
        output = self._git("for-each-ref", "--format=%(refname)%00%(objectname)", root)
        pairs = (line.split("\0") for line in output.splitlines() if "\0" in line)
        return {name[len(root):].lstrip("/"): commit for name, commit in pairs}

    def drop(self, name: str) -> None:
        self._git("update-ref", "-d", f"{REF_ROOT}/{name}")

    def close(self) -> None:
        """Remove this process's index file (the snapshots stay): a later process stages into its own."""
        with contextlib.suppress(OSError):
            (self.git_dir / f"index.{os.getpid()}").unlink()

    # git ----------------------------------------------------------------------------

    def _ensure(self) -> None:
        if shutil.which("git") is None:
            raise CheckpointError("file checkpoints are off: git is not installed, so /undo cannot restore files")
        if (self.git_dir / "HEAD").is_file():
            return
        self.git_dir.mkdir(parents=True, exist_ok=True)
        self._git("init", "--quiet")
        for key, value in (("core.autocrlf", "false"), ("core.symlinks", "true"), ("gc.auto", "0")):
            self._git("config", key, value)
        (self.git_dir / "info").mkdir(exist_ok=True)
        (self.git_dir / "info" / "attributes").write_text(NEUTRAL_ATTRIBUTES, encoding="utf-8")

    def _check_size(self) -> None:
        listed = self._git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
        files = [name for name in listed if name]
        if len(files) > self.max_files:
            raise CheckpointError(f"file checkpoints are off here: {len(files)} files is more than {self.max_files} (/undo cannot restore files)")
        total = sum(_size(self.workspace / name) for name in files)
        if total > self.max_bytes:
            raise CheckpointError(
                f"file checkpoints are off here: {total / 1e6:.0f} MB of files is more than {self.max_bytes / 1e6:.0f} MB (/undo cannot restore files)"
            )

    def _remove(self, path: str) -> None:
        target = self.workspace / path
        if not _inside(target.parent, self.workspace):
            return
        if target.is_symlink() or target.is_file():
            target.unlink()
        _prune_empty(target.parent, self.workspace)

    def _git(self, *args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.workspace, env=self._environment(), capture_output=True, timeout=GIT_TIMEOUT, check=False,
            )
        except FileNotFoundError:
            raise CheckpointError("file checkpoints are off: git is not installed, so /undo cannot restore files") from None
        except subprocess.TimeoutExpired:
            raise CheckpointError(f"file checkpoints failed: git {args[0]} took more than {GIT_TIMEOUT:g} s") from None
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise CheckpointError(f"file checkpoints failed: git {args[0]}: {reason[-1] if reason else 'exit status ' + str(done.returncode)}")
        return done.stdout.decode("utf-8", "surrogateescape")

    def _environment(self) -> dict[str, str]:
        """The shadow repository, whatever the user's environment or config says; never a prompt, a pager or a hook."""
        kept = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
        return {
            **kept, "GIT_DIR": str(self.git_dir), "GIT_WORK_TREE": str(self.workspace),
            "GIT_INDEX_FILE": str(self.git_dir / f"index.{os.getpid()}"), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "agentsh", "GIT_AUTHOR_EMAIL": "agentsh@localhost",
            "GIT_COMMITTER_NAME": "agentsh", "GIT_COMMITTER_EMAIL": "agentsh@localhost",
        }


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def _inside(path: Path, root: Path) -> bool:
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == top or top in real.parents


def _prune_empty(folder: Path, root: Path) -> None:
    """Remove the folders a turn created for a file it added, once they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
