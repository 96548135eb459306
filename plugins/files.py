"""Read, list, search and write files — confined to the workspace.

Every path is resolved against ``workspace_root()``: relative paths are taken from it,
``..`` and symlinks are followed with ``os.path.realpath`` (for a file that does not
exist yet, its existing parent is what gets resolved), and the *real* result must lie
inside the real workspace root (``Path.is_relative_to``, never a string prefix, so
``/a/workshop`` is not inside ``/a/work``). Anything else is a ``ValueError`` naming the
path. ``write_file`` also refuses agentsh's own protected paths (config, plugin
directories, trust list, data home) even when they lie inside the workspace.

The check is a name; the access does not trust it. Files are opened, created and
replaced through ``agentsh.tools.nofollow``: the resolved path is walked from the
workspace root's descriptor one folder at a time with ``O_NOFOLLOW``, so a folder
swapped for a symlink between the check and the use is an error, never followed out.

Reads are bounded: binary files (a NUL byte in the first 8 KB) are refused, lines are
streamed (a huge file is paged with ``offset_line`` and ``max_lines``, never loaded
whole), a single read returns at most 2 MB, and listings and searches stop at a fixed
number of entries and say so. Regular expressions run on the ``regex`` package, not ``re``:
it releases the GIL while it matches and can be stopped, so a pattern that backtracks without
end is a clear error after MAX_REGEX_SECONDS on one line, never a frozen app; between lines
and folders the tools check their call's budget and stop once it timed out or was cancelled.
Writes are atomic: a temporary file in the target's folder (opened by descriptor), then
``os.replace`` within that folder.
"""
from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import chain, islice
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from agentsh import tool
from agentsh.tools import budget, nofollow
from agentsh.tools.context import is_protected, workspace_root

if TYPE_CHECKING:
    from regex import Pattern

SNIFF_BYTES = 8 * 1024
MAX_READ_BYTES = 2 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024
MAX_LIST_ENTRIES = 500
MAX_SEARCH_MATCHES = 200
MAX_SEARCH_FILES = 5_000
MAX_MATCH_CHARS = 300
MAX_REGEX_SECONDS = 0.5  # CPU seconds on one line (at most 4 KB): past this, a regular expression backtracks without end
SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".mypy_cache", ".pytest_cache", ".tox"}


def _root() -> Path:
    return Path(os.path.realpath(workspace_root()))


def resolve_path(path: str) -> Path:
    """The real path `path` names inside the workspace; ValueError when it leaves it."""
    if "\0" in path:
        raise ValueError(f"path {path!r} contains a NUL character")
    root = _root()
    try:
        real = os.path.realpath(root / path)
        # On a symlink loop realpath gives up and returns the rest of the path unresolved, with its ".."
        # collapsed by text ("loop/../out" becomes "out", still a link): only a fixed point is resolved.
        resolved = os.path.realpath(real) == real
    except OSError:  # a link on the path changed while realpath read it
        resolved = False
    if not resolved:
        raise ValueError(f"path {path!r} cannot be resolved (a symlink loop, or a symlink that changed); use another path")
    if not Path(real).is_relative_to(root):
        raise ValueError(f"path {path!r} is outside the workspace {root}; use a path inside it")
    return Path(real)


def _shown(path: Path) -> str:
    """How a path inside the workspace is shown to the model: relative to the workspace root."""
    return path.relative_to(_root()).as_posix()


@contextmanager
def _folder(real: Path, path: str, create: bool = False) -> Iterator[int]:
    """A descriptor of the workspace folder `real`, reached from the root without following a symlink."""
    try:
        with nofollow.directory(_root(), real.relative_to(_root()).parts, create) as folder:
            yield folder
    except (nofollow.PathChanged, FileNotFoundError) as error:
        if isinstance(error, FileNotFoundError) and not create:
            raise
        raise nofollow.PathChanged(
            f"{path!r} changed while it was being used (a folder on it was moved, removed or replaced "
            "by a symlink); nothing was read or written there. Try again."
        ) from None


@contextmanager
def _opened(real: Path, path: str) -> Iterator[BinaryIO]:
    """The regular file `real` in the workspace, open for reading, reached without following a symlink."""
    try:
        if real == _root():
            raise IsADirectoryError
        with _folder(real.parent, path) as folder:
            descriptor = nofollow.open_file(folder, real.name)
    except IsADirectoryError:
        raise IsADirectoryError(f"{path!r} is a directory; use list_files to see what it contains") from None
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"{path!r} does not exist in the workspace {_root()}; use list_files to find it") from None
    try:
        _require_regular(os.fstat(descriptor).st_mode, path)
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as handle:
        yield handle


def _require_regular(mode: int, path: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path!r} is a directory; use list_files to see what it contains")
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path!r} is not a regular file (a device, FIFO or socket); read_file only reads files")


def _is_binary(handle: BinaryIO) -> bool:
    """A NUL byte in the first 8 KB; the handle is left at the start."""
    binary = b"\0" in handle.read(SNIFF_BYTES)
    handle.seek(0)
    return binary


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


def _read_window(handle: BinaryIO, first: int, count: int) -> tuple[list[str], bool]:
    """Lines first..first+count-1 (numbered from 1, at most MAX_READ_BYTES), and whether more follow."""
    lines: list[str] = []
    budget = MAX_READ_BYTES
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
    real = resolve_path(path)
    with _opened(real, path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if _is_binary(handle):
            raise ValueError(f"{path!r} is a binary file ({size:,} bytes); read_file only reads text")
        lines, more = _read_window(handle, offset_line, max_lines)
    return _read_header(real, size, offset_line, lines, more) + "\n".join(lines)


def _read_header(real: Path, size: int, first: int, lines: list[str], more: bool) -> str:
    if not lines:
        return f"{_shown(real)} ({size:,} bytes) has no line {first}."
    last = first + len(lines) - 1
    header = f"{_shown(real)} ({size:,} bytes), lines {first}-{last}"
    if more:
        header += f"; more lines follow: continue with offset_line={last + 1}"
        if size > MAX_READ_BYTES:
            header += " (the file is over 2 MB: read it in parts or use search_files)"
    return header + "\n"


def _walk(folder: int, shown: PurePosixPath, recursive: bool) -> Iterator[tuple[PurePosixPath, bool]]:
    """(workspace path, is_dir) under the open `folder`, sorted per directory; symlinks are never entered."""
    budget.current().check()
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        is_dir = entry.is_dir(follow_symlinks=False)
        yield shown / entry.name, is_dir
        if is_dir and recursive and entry.name not in SKIPPED_DIRS:
            yield from _walk_into(folder, entry.name, shown / entry.name)


def _walk_into(parent: int, name: str, shown: PurePosixPath) -> Iterator[tuple[PurePosixPath, bool]]:
    try:
        folder = nofollow.open_directory(parent, name)
    except OSError:  # gone, or swapped for a symlink since it was listed: not entered
        return
    try:
        yield from _walk(folder, shown, recursive=True)
    finally:
        os.close(folder)


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
    try:
        with _folder(base, path) as folder:
            entries = _walk(folder, PurePosixPath(_shown(base)), recursive)
            found = list(islice(((p, d) for p, d in entries if fnmatch.fnmatch(p.name, pattern)), MAX_LIST_ENTRIES + 1))
    except (FileNotFoundError, NotADirectoryError):
        raise NotADirectoryError(f"{path!r} is not a directory in the workspace {_root()}") from None
    lines = [p.as_posix() + ("/" if is_dir else "") for p, is_dir in found[:MAX_LIST_ENTRIES]]
    if not lines:
        return f"no entries in {_shown(base)} match {pattern!r}"
    if len(found) > MAX_LIST_ENTRIES:
        lines.append(f"... listing stopped at {MAX_LIST_ENTRIES} entries; narrow it with path or pattern")
    return "\n".join(lines)


class SearchTooSlow(Exception):
    """A regular expression ran past MAX_REGEX_SECONDS on one line, and was stopped."""


def _matcher(query: str, regex: bool) -> Callable[[str], object]:
    if not query:
        raise ValueError("query must not be empty")
    if not regex:
        return lambda text: query in text
    import regex as regex_engine  # ~20 ms: paid by the first regex search, not by every session start

    try:
        compiled = regex_engine.compile(query)
    except regex_engine.error as error:
        raise ValueError(f"invalid regular expression {query!r}: {error}") from None
    return partial(_search_in_time, compiled)


def _search_in_time(compiled: Pattern[str], text: str) -> object:
    """One search, stopped by a timeout (raises TimeoutError); Python's `re` cannot be stopped at all.

    `concurrent=True` releases the GIL while it matches, so agentsh's event loop keeps running.
    """
    left = budget.current().remaining()
    try:
        return compiled.search(text, timeout=min(MAX_REGEX_SECONDS, left), concurrent=True)
    except TimeoutError:
        if left < MAX_REGEX_SECONDS:  # the call's own time ran out, not this line's allowance
            raise budget.CallStopped("the tool call timed out or was cancelled") from None
        raise


def _search_file(shown: PurePosixPath, matches: Callable[[str], object]) -> Iterator[str]:
    """Matching lines of a workspace file; a symlink is searched only when its target is inside the workspace."""
    try:
        with _opened(resolve_path(shown.as_posix()), shown.as_posix()) as handle:
            if _is_binary(handle):
                return
            for number, line in enumerate(_bounded_lines(handle), start=1):
                text = _decode(line)
                if _matches_in_time(matches, text, f"{shown}:{number}"):
                    yield f"{shown}:{number}: {text[:MAX_MATCH_CHARS]}"
    except (ValueError, OSError):
        return


def _matches_in_time(matches: Callable[[str], object], text: str, where: str) -> bool:
    budget.current().check()  # the call timed out or was cancelled: stop here, between lines
    try:
        return bool(matches(text))
    except TimeoutError:
        budget.current().check()
        raise SearchTooSlow(
            f"the regular expression took over {MAX_REGEX_SECONDS:g} s on one line ({where}) and was stopped: "
            "it backtracks without end, as nested repeats like (a+)+ do. Simplify it, or search for plain text."
        ) from None


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
    lines = _search(base, path, glob, matches)
    if not lines:
        return f"no matches for {query!r} in {_shown(base)} (files matching {glob!r})"
    if len(lines) > MAX_SEARCH_MATCHES:
        lines[-1] = f"... search stopped at {MAX_SEARCH_MATCHES} matches; narrow it with path or glob"
    return "\n".join(lines)


def _search(base: Path, path: str, glob: str, matches: Callable[[str], object]) -> list[str]:
    """Up to MAX_SEARCH_MATCHES + 1 result lines for the folder or file `base`."""
    shown = PurePosixPath(_shown(base))
    if base.is_dir():
        with _folder(base, path) as folder:
            return list(islice(_search_lines(_walk(folder, shown, recursive=True), glob, matches), MAX_SEARCH_MATCHES + 1))
    if not base.exists():
        raise FileNotFoundError(f"{path!r} does not exist in the workspace {_root()}")
    return list(islice(_search_lines([(shown, False)], glob, matches), MAX_SEARCH_MATCHES + 1))


def _search_lines(candidates: Iterable[tuple[PurePosixPath, bool]], glob: str, matches: Callable[[str], object]) -> Iterator[str]:
    targets = (p for p, is_dir in candidates if not is_dir and (fnmatch.fnmatch(p.name, glob) or fnmatch.fnmatch(p.as_posix(), glob)))
    for count, shown in enumerate(targets):
        if count == MAX_SEARCH_FILES:
            yield f"... search stopped after {MAX_SEARCH_FILES} files; narrow it with path or glob"
            return
        yield from _search_file(shown, matches)


def _write_target(path: str) -> Path:
    real = resolve_path(path)
    if is_protected(real):
        raise PermissionError(f"{path!r} is one of agentsh's own protected files or folders; no tool may write there")
    if real == _root() or real.is_dir():
        raise IsADirectoryError(f"{path!r} is a directory; give a file path")
    return real


def _write_into(folder: int, name: str, data: bytes, append: bool, path: str) -> bool:
    """Write `data` to `name` in the open `folder`, atomically; True when the file existed."""
    found = nofollow.entry(folder, name)
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise IsADirectoryError(f"{path!r} is a directory; give a file path")
    if found is not None and stat.S_ISLNK(found.st_mode):
        raise nofollow.PathChanged(f"{path!r} became a symlink while it was being written; nothing was written. Try again.")
    chunks: Iterable[bytes] = [data]
    if append and found is not None:
        chunks = chain(_chunks_of(folder, name), [data])
    mode = None if found is None else stat.S_IMODE(found.st_mode)
    nofollow.replace_file(folder, name, chunks, mode)
    return found is not None


def _chunks_of(folder: int, name: str) -> Iterator[bytes]:
    with os.fdopen(nofollow.open_file(folder, name), "rb") as existing:
        while chunk := existing.read(1024 * 1024):
            yield chunk


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
    try:
        target = _write_target(path)
        data = content.encode("utf-8")
        with _folder(target.parent, path, create=True) as folder:
            existed = _write_into(folder, target.name, data, append, path)
    except FileNotFoundError:  # its folders are created as needed: a missing one was moved away meanwhile
        raise nofollow.PathChanged(
            f"{path!r} changed while it was being used (a folder on it was moved or removed); nothing was written. Try again."
        ) from None
    verb = "appended" if append and existed else ("replaced" if existed else "created")
    return f"{verb} {_shown(target)}: wrote {len(data):,} bytes"
