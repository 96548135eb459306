"""Project instructions: AGENTS.md (or CLAUDE.md / GEMINI.md where a folder has no AGENTS.md).

Read once, when a session opens, from the user's config folder, then from the workspace root
(the nearest folder above with a `.git`, else the current one) down to the current folder, and
given to the model in that order after the system prompt: a stable prefix of every request.

A file is someone else's text until the user trusts its folder (`agentsh trust`, there or in a
folder above it, or in the current folder): until then it is listed as ignored. What is given is
bounded (a notice says what was cut), and cannot close its block or open another.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .config import config_dir, is_trusted
from .text import replace_lone_surrogates

FILE_NAMES = ("AGENTS.md", "CLAUDE.md", "GEMINI.md")  # the first one present in a folder is read
MAX_FILE_CHARS = 24_000  # of one file
MAX_TOTAL_CHARS = 48_000  # of all of them: a file past it is cut, the next ones left out
CHARS_PER_TOKEN = 4
_BLOCK_TAG = re.compile(r"<(\s*/?\s*(?:project-instructions|long-term-memory|conversation-summary))", re.IGNORECASE)

Status = Literal["loaded", "cut", "untrusted", "too-late", "unreadable"]


@dataclass(frozen=True)
class InstructionFile:
    path: Path
    status: Status
    text: str = ""  # what the model is given ("" unless loaded or cut)
    reason: str = ""  # why it is not used, for "unreadable"

    @property
    def used(self) -> bool:
        return self.status in ("loaded", "cut")

    @property
    def tokens(self) -> int:
        return len(self.text) // CHARS_PER_TOKEN


@dataclass(frozen=True)
class Instructions:
    files: tuple[InstructionFile, ...] = ()

    @property
    def used(self) -> list[InstructionFile]:
        return [f for f in self.files if f.used]

    @property
    def tokens(self) -> int:
        return len(self.block()) // CHARS_PER_TOKEN

    def block(self) -> str:
        """The text that follows the system prompt ("" when no file is used)."""
        parts = [f'<project-instructions file="{_inert(str(f.path))}">\n{f.text}\n</project-instructions>' for f in self.used]
        if not parts:
            return ""
        head = "The user's project instructions (AGENTS.md and the like), from the most general folder to the current one; later ones win:"
        return "\n\n".join([head, *parts])

    def notices(self) -> list[str]:
        """One line at start: what was loaded, then a line for each file ignored or cut."""
        loaded = self.loaded_notice()
        return ([loaded] if loaded else []) + [_problem(f) for f in self.files if f.status != "loaded"]

    def loaded_notice(self) -> str | None:
        """What was loaded (information, not a warning); None when nothing was."""
        if not self.used:
            return None
        count = len(self.used)
        names = ", ".join(dict.fromkeys(f.path.name for f in self.used))
        return f"loaded {names} ({count} file{'s' if count != 1 else ''}, {_thousands(self.tokens)} tokens); /context lists them"


def load_instructions(folder: Path) -> Instructions:
    """The instruction files for a session started in `folder`, read now."""
    files: list[InstructionFile] = []
    room = MAX_TOTAL_CHARS
    for path, trusted in _candidates(Path(os.path.realpath(folder))):
        found = _read(path, trusted, room)
        room -= len(found.text)
        files.append(found)
    return Instructions(tuple(files))


def _candidates(folder: Path) -> list[tuple[Path, bool]]:
    """(file, trusted) for the config folder's file, then each folder's from the workspace root down."""
    found = []
    own = _first_present(config_dir())
    if own is not None:
        found.append((own, True))
    here_trusted = is_trusted(folder)
    for step in _root_to(folder):
        path = _first_present(step)
        if path is not None:
            found.append((path, here_trusted or any(is_trusted(p) for p in (step, *step.parents))))
    return found


def _root_to(folder: Path) -> list[Path]:
    """The folders from the workspace root (the nearest with a `.git`) down to `folder`; just `folder` outside a repository."""
    chain = []
    for candidate in (folder, *folder.parents):
        chain.append(candidate)
        if (candidate / ".git").exists():
            return list(reversed(chain))
    return [folder]


def _first_present(folder: Path) -> Path | None:
    return next((folder / name for name in FILE_NAMES if os.path.lexists(folder / name)), None)


def _read(path: Path, trusted: bool, room: int) -> InstructionFile:
    if not trusted:
        return InstructionFile(path, "untrusted")
    if room <= 0:
        return InstructionFile(path, "too-late")
    try:
        text = _bounded_text(path, min(room, MAX_FILE_CHARS))
    except (OSError, UnicodeError, ValueError) as error:
        return InstructionFile(path, "unreadable", reason=getattr(error, "strerror", None) or str(error))
    limit = min(room, MAX_FILE_CHARS)
    if len(text) > limit:
        return InstructionFile(path, "cut", text=_inert_tags(text[:limit]))
    return InstructionFile(path, "loaded", text=_inert_tags(text))


def _bounded_text(path: Path, limit: int) -> str:
    """At most `limit` + 1 characters of a regular file (never a FIFO or a device: they could block or never end)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = handle.read(limit * 4 + 4)  # UTF-8: at most four bytes a character
    if b"\0" in data:
        raise ValueError("a binary file")
    return replace_lone_surrogates(data.decode("utf-8", errors="replace"))[: limit + 1]


def _inert_tags(text: str) -> str:
    """The file's text, unable to close its block or open one of agentsh's own (other brackets are kept: code uses them)."""
    return _BLOCK_TAG.sub("‹\\1", text)  # noqa: RUF001 - a look-alike bracket on purpose


def _inert(text: str) -> str:
    return text.replace('"', "'").replace("<", "‹").replace(">", "›")  # noqa: RUF001


def _problem(found: InstructionFile) -> str:
    where = found.path
    if found.status == "untrusted":
        return f"ignored {where}: this folder is not trusted (run `agentsh trust` here to use it)"
    if found.status == "cut":
        return f"{where} is longer than {len(found.text):,} characters: only those are given to the model"
    if found.status == "too-late":
        return f"ignored {where}: the project instructions already fill {MAX_TOTAL_CHARS:,} characters"
    return f"ignored {where}: cannot read it ({found.reason})"


def _thousands(tokens: int) -> str:
    return f"{tokens / 1000:.1f}k" if tokens >= 1000 else str(tokens)
