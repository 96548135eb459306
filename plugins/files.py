"""Read, list, search and write files — confined to the workspace.

Every path is resolved against ``workspace_root()``: relative paths are taken from it,
``..`` and symlinks are followed with ``os.path.realpath`` (for a file that does not
exist yet, its existing parent is what gets resolved), and the *real* result must lie
inside the real workspace root (``Path.is_relative_to``, never a string prefix, so
``/a/workshop`` is not inside ``/a/work``). Anything else is a ``ValueError`` naming the
path. ``write_file`` also refuses agentsh's own protected paths (config, plugin
directories, trust list, data home) even when they lie inside the workspace.

Reads are bounded: binary files (a NUL byte in the first 8 KB) are refused, lines are
streamed (a huge file is paged with ``offset_line`` and ``max_lines``, never loaded
whole), a single read returns at most 2 MB, and listings and searches stop at a fixed
number of entries and say so. Writes are atomic: a temporary file in the target's
directory, then ``os.replace``.
"""
from __future__ import annotations

import fnmatch
import os
import re
import secrets
import stat
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from agentsh import tool
from agentsh.tools.context import is_protected, workspace_root

SNIFF_BYTES = 8 * 1024
MAX_READ_BYTES = 2 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024
MAX_LIST_ENTRIES = 500
MAX_SEARCH_MATCHES = 200
MAX_SEARCH_FILES = 5_000
MAX_MATCH_CHARS = 300
SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".mypy_cache", ".pytest_cache", ".tox"}


def _root() -> Path:
    return Path(os.path.realpath(workspace_root()))


def resolve_path(path: str) -> Path:
    """The real path `path` names inside the workspace; ValueError when it leaves it."""
    if "\0" in path:
        raise ValueError(f"path {path!r} contains a NUL character")
    root = _root()
    real = os.path.realpath(root / path)
    # On a symlink loop realpath gives up and returns the rest of the path unresolved, with its ".."
    # collapsed by text ("loop/../out" becomes "out", still a link): only a fixed point is resolved.
    if os.path.realpath(real) != real:
        raise ValueError(f"path {path!r} cannot be resolved (a symlink loop?); use another path")
    if not Path(real).is_relative_to(root):
        raise ValueError(f"path {path!r} is outside the workspace {root}; use a path inside it")
    return Path(real)


def _shown(path: Path) -> str:
    """How a path inside the workspace is shown to the model: relative to the workspace root."""
    return path.relative_to(_root()).as_posix()


def _existing_file(path: str) -> Path:
    real = resolve_path(path)
    if real.is_dir():
        raise IsADirectoryError(f"{path!r} is a directory; use list_files to see what it contains")
    if not real.is_file():
        raise FileNotFoundError(f"{path!r} does not exist in the workspace {_root()}; use list_files to find it")
    return real


def _is_binary(real: Path) -> bool:
    with open(real, "rb") as handle:
        return b"\0" in handle.read(SNIFF_BYTES)


def _bounded_lines(handle) -> Iterator[bytes]:
    """The file's lines, each cut at MAX_LINE_BYTES (the rest of a longer line is skipped, not held)."""
    while line := handle.readline(MAX_LINE_BYTES):
        if len(line) == MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            line += b" ... [line cut]\n"
        yield line


def _decode(line: bytes) -> str:
    return line.decode("utf-8", errors="replace").rstrip("\r\n")


def _read_window(real: Path, first: int, count: int) -> tuple[list[str], bool]:
    """Lines first..first+count-1 (numbered from 1, at most MAX_READ_BYTES), and whether more follow."""
    lines: list[str] = []
    budget = MAX_READ_BYTES
    with open(real, "rb") as handle:
        window = islice(_bounded_lines(handle), first - 1, None)
        for number, line in enumerate(window, start=first):
            numbered = f"{number:>6}\t{_decode(line)}"
            if len(lines) == count or budget < len(numbered) + 1:
                return lines, True
            budget -= len(numbered) + 1
            lines.append(numbered)
    return lines, False


@tool
def read_file(path: str, offset_line: int = 1, max_lines: int = 400) -> str:
    """Read a text file from the workspace, with line numbers.

    Returns up to max_lines lines starting at offset_line, each prefixed with its
    number. Large files are read in parts: when more lines follow, the header says
    which offset_line to use next. Binary files are refused. Paths are relative to
    the workspace root; paths outside it are refused.

    Args:
        path: The file, relative to the workspace root (e.g. "src/app.py").
        offset_line: The first line to return, counting from 1.
        max_lines: How many lines to return at most.
    """
    if offset_line < 1 or max_lines < 1:
        raise ValueError("offset_line and max_lines must be at least 1")
    real = _existing_file(path)
    if _is_binary(real):
        raise ValueError(f"{path!r} is a binary file ({real.stat().st_size:,} bytes); read_file only reads text")
    lines, more = _read_window(real, offset_line, max_lines)
    return _read_header(real, offset_line, lines, more) + "\n".join(lines)


def _read_header(real: Path, first: int, lines: list[str], more: bool) -> str:
    size = real.stat().st_size
    if not lines:
        return f"{_shown(real)} ({size:,} bytes) has no line {first}."
    last = first + len(lines) - 1
    header = f"{_shown(real)} ({size:,} bytes), lines {first}-{last}"
    if more:
        header += f"; more lines follow: continue with offset_line={last + 1}"
        if size > MAX_READ_BYTES:
            header += " (the file is over 2 MB: read it in parts or use search_files)"
    return header + "\n"


def _walk(base: Path, recursive: bool) -> Iterator[tuple[Path, bool]]:
    """(path, is_dir) under `base`, sorted per directory; symlinked directories are not entered."""
    try:
        entries = sorted(os.scandir(base), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        is_dir = entry.is_dir(follow_symlinks=False)
        yield Path(entry.path), is_dir
        if is_dir and recursive and entry.name not in SKIPPED_DIRS:
            yield from _walk(Path(entry.path), recursive)


@tool
def list_files(path: str = ".", pattern: str = "*", recursive: bool = False) -> str:
    """List files and folders in a workspace directory; folders end with "/".

    Paths in the result are relative to the workspace root, ready for read_file.
    The listing stops at 500 entries and says so; narrow it with path or pattern.
    Recursive listings do not enter .git, node_modules, __pycache__ or virtualenvs.

    Args:
        path: The directory to list, relative to the workspace root.
        pattern: A shell wildcard that names must match, e.g. "*.py" or "test_*".
        recursive: Also list the contents of sub-folders.
    """
    base = resolve_path(path)
    if not base.is_dir():
        raise NotADirectoryError(f"{path!r} is not a directory in the workspace {_root()}")
    matches = ((p, d) for p, d in _walk(base, recursive) if fnmatch.fnmatch(p.name, pattern))
    found = list(islice(matches, MAX_LIST_ENTRIES + 1))
    lines = [_shown(p) + ("/" if is_dir else "") for p, is_dir in found[:MAX_LIST_ENTRIES]]
    if not lines:
        return f"no entries in {_shown(base)} match {pattern!r}"
    if len(found) > MAX_LIST_ENTRIES:
        lines.append(f"... listing stopped at {MAX_LIST_ENTRIES} entries; narrow it with path or pattern")
    return "\n".join(lines)


def _matcher(query: str, regex: bool):
    if not query:
        raise ValueError("query must not be empty")
    if not regex:
        return lambda text: query in text
    try:
        return re.compile(query).search
    except re.error as error:
        raise ValueError(f"invalid regular expression {query!r}: {error}") from None


def _search_targets(base: Path, glob: str) -> Iterator[tuple[Path, Path]]:
    """(path, real path) of the regular files under `base` whose name or workspace path matches `glob`.

    A symlink is searched only when its real target lies inside the workspace.
    """
    candidates = [(base, False)] if base.is_file() else _walk(base, recursive=True)
    root = _root()
    for candidate, is_dir in candidates:
        real = Path(os.path.realpath(candidate))
        if is_dir or not real.is_relative_to(root) or not real.is_file():
            continue
        if fnmatch.fnmatch(candidate.name, glob) or fnmatch.fnmatch(_shown(candidate), glob):
            yield candidate, real


def _search_file(real: Path, shown: str, matches) -> Iterator[str]:
    try:
        if _is_binary(real):
            return
        with open(real, "rb") as handle:
            for number, line in enumerate(_bounded_lines(handle), start=1):
                text = _decode(line)
                if matches(text):
                    yield f"{shown}:{number}: {text[:MAX_MATCH_CHARS]}"
    except OSError:
        return


@tool
def search_files(query: str, path: str = ".", glob: str = "*", regex: bool = False) -> str:
    """Search text files in the workspace for a string; returns "path:line: text" for each matching line.

    The query is a plain, case-sensitive substring unless regex is true (Python
    regular expressions; "(?i)word" ignores case). Binary files, .git,
    node_modules, __pycache__ and virtualenvs are skipped. At most 200 matches are
    returned; narrow the search with path or glob when it says it stopped.

    Args:
        query: The text (or, with regex=true, the regular expression) to look for.
        path: A directory to search recursively, or a single file, relative to the workspace root.
        glob: A shell wildcard that file names (or workspace paths) must match, e.g. "*.py" or "src/*".
        regex: Treat query as a regular expression instead of plain text.
    """
    matches, base = _matcher(query, regex), resolve_path(path)
    if not base.exists():
        raise FileNotFoundError(f"{path!r} does not exist in the workspace {_root()}")
    results = islice(_search_lines(base, glob, matches), MAX_SEARCH_MATCHES + 1)
    lines = list(results)
    if not lines:
        return f"no matches for {query!r} in {_shown(base)} (files matching {glob!r})"
    if len(lines) > MAX_SEARCH_MATCHES:
        lines[-1] = f"... search stopped at {MAX_SEARCH_MATCHES} matches; narrow it with path or glob"
    return "\n".join(lines)


def _search_lines(base: Path, glob: str, matches) -> Iterator[str]:
    for count, (path, real) in enumerate(_search_targets(base, glob)):
        if count == MAX_SEARCH_FILES:
            yield f"... search stopped after {MAX_SEARCH_FILES} files; narrow it with path or glob"
            return
        yield from _search_file(real, _shown(path), matches)


def _write_target(path: str) -> Path:
    real = resolve_path(path)
    if is_protected(real):
        raise PermissionError(f"{path!r} is one of agentsh's own protected files or folders; no tool may write there")
    if real.is_dir():
        raise IsADirectoryError(f"{path!r} is a directory; give a file path")
    return real


def _new_file_mode(target: Path) -> int | None:
    """The mode to keep: the existing file's, or None for a new file (umask applies)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return None


def _atomic_write(target: Path, data: bytes, append: bool) -> None:
    temporary = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if append and target.exists():
                with open(target, "rb") as existing:
                    while chunk := existing.read(1024 * 1024):
                        handle.write(chunk)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = _new_file_mode(target)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@tool(requires_approval=True)
def write_file(path: str, content: str, append: bool = False) -> str:
    """Write text to a file in the workspace, creating it and its parent folders if needed.

    By default the whole file is replaced with content; with append=true, content
    is added at the end. The write is atomic: readers see the old file or the new
    one, never half of it. Paths outside the workspace and agentsh's own files are
    refused. The user is asked to approve each write.

    Args:
        path: The file, relative to the workspace root (e.g. "notes/todo.md").
        content: The text to write (UTF-8).
        append: Add content to the end of the existing file instead of replacing it.
    """
    target = _write_target(path)
    existed = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8")
    _atomic_write(target, data, append)
    verb = "appended" if append and existed else ("replaced" if existed else "created")
    return f"{verb} {_shown(target)}: wrote {len(data):,} bytes"
