"""Open, create and replace files under a folder without following a single symlink.

Checking a path and then opening it by name is a race: between the two, any folder on the
path can be swapped for a symlink to somewhere else, and the open follows it. Here every
folder is opened relative to the descriptor of the one before it, with ``O_NOFOLLOW``,
starting from the root's descriptor; files are opened, created and renamed relative to
their folder's descriptor. What is reached is reached through real directory entries
only: a symlink appearing anywhere on the way is an error (``PathChanged``), never followed.

Where the system cannot do this (no ``dir_fd`` support), every function refuses.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer


class PathChanged(OSError):
    """A folder or file on the path is (now) a symlink: the path changed while it was being used."""


class Unsupported(OSError):
    """This system cannot open files relative to a folder without following symlinks."""


def _supported() -> bool:
    # os.replace is os.rename with overwriting: supports_dir_fd lists only the latter
    needed = {os.open, os.mkdir, os.stat, os.rename, os.unlink}
    return bool(_NOFOLLOW and _DIRECTORY) and needed <= os.supports_dir_fd and os.scandir in os.supports_fd


SUPPORTED = _supported()


@contextmanager
def directory(root: Path, parts: Sequence[str], create: bool = False) -> Iterator[int]:
    """A descriptor of root/parts[0]/parts[1]/..., each folder opened without following symlinks.

    With `create`, missing folders are made (like ``mkdir -p``). Raises FileNotFoundError,
    NotADirectoryError, or PathChanged when one of `parts` is a symlink.
    """
    if not SUPPORTED:
        raise Unsupported("this system cannot open files without following symlinks (no dir_fd support)")
    descriptor = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for name in parts:
            child = open_directory(descriptor, name, create)
            os.close(descriptor)
            descriptor = child
        yield descriptor
    finally:
        os.close(descriptor)


def open_directory(folder: int, name: str, create: bool = False) -> int:
    """The folder `name` inside `folder` (a descriptor), never through a symlink."""
    if create:
        with suppress(FileExistsError):
            os.mkdir(name, dir_fd=folder)
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
    except OSError as error:
        raise _symlink_or(error, folder, name) from None


def open_file(folder: int, name: str) -> int:
    """`name` inside `folder` (a descriptor), opened for reading, never through a symlink.

    Opening does not wait (a FIFO without a writer opens at once); check what it is with fstat.
    """
    try:
        return os.open(name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK, dir_fd=folder)
    except OSError as error:
        raise _symlink_or(error, folder, name) from None


def entry(folder: int, name: str) -> os.stat_result | None:
    """What `name` inside `folder` is (symlinks not followed), or None when it does not exist."""
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None


def replace_file(folder: int, name: str, chunks: Iterable[bytes], mode: int | None) -> None:
    """Atomically make `name` inside `folder` hold `chunks`: a temporary file there, then a rename.

    `mode` is the permission to give it (an existing file's); None for a new file (umask applies).
    A failure leaves the old file as it was and no temporary behind.
    """
    temporary = f".{name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    descriptor = os.open(temporary, flags, 0o600 if mode is not None else 0o666, dir_fd=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=folder)
        raise


def _symlink_or(error: OSError, folder: int, name: str) -> OSError:
    """PathChanged when O_NOFOLLOW met a symlink (ELOOP, or ENOTDIR for a folder), else `error` itself.

    ENOTDIR is a plain NotADirectoryError only when `name` is still there and is a file.
    """
    if error.errno == errno.ENOTDIR:
        found = entry(folder, name)
        if found is not None and not stat.S_ISLNK(found.st_mode) and not stat.S_ISDIR(found.st_mode):
            return error
    if error.errno in (errno.ELOOP, errno.ENOTDIR):
        return PathChanged(errno.ELOOP, "is a symlink (it changed while being used)", name)
    return error
