"""Is a running turn's writer still alive? Asked of the kernel, not of a hostname or a pid.

The process running a turn holds an exclusive `flock` on `<home>/locks/<token>.lock` from
before the turn's row is committed until the turn is written. The kernel drops the lock
when the process dies, however it dies, so whoever can take the lock knows the writer is
gone, whatever host, container or PID namespace it ran in (flock is kept on the file, so
containers sharing the data home see each other's locks; NFS emulates it with fcntl
locks). A flock belongs to an open file, not to a process: a second store in the writer's
own process sees the lock as held too.

An in-memory database is visible to one process only: its locks live in a private temporary
folder made for its connection, removed with it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

from ..errors import StoreError

LOCKS_FOLDER = "locks"


class TurnLocks:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._held: dict[str, int] = {}  # token -> descriptor holding its lock

    def hold(self) -> str:
        """Take a new lock for a turn about to start; returns its token, to record with the turn."""
        token = secrets.token_hex(8)
        path = self._path(token, create_folder=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
        self._held[token] = descriptor
        return token

    def release(self, token: str) -> None:
        """The turn is written (or could not be): remove the file, then let go of the lock."""
        descriptor = self._held.pop(token, None)
        if descriptor is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self._path(token))
        os.close(descriptor)

    @contextlib.contextmanager
    def claim(self, token: str) -> Iterator[bool]:
        """Yield True, holding the lock, when the turn's writer is gone; False while it lives."""
        if token in self._held:
            yield False
            return
        try:
            descriptor = os.open(self._path(token), os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:  # released, or the writer died before making it: nobody holds it
            yield True
            return
        try:
            if not _try_lock(descriptor):
                yield False
                return
            yield True
            with contextlib.suppress(OSError):
                os.unlink(self._path(token))
        finally:
            os.close(descriptor)

    def _path(self, token: str, create_folder: bool = False) -> Path:
        if create_folder:
            try:
                self._folder.mkdir(mode=0o700, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create {self._folder} for agentsh's turn locks: {error.strerror}") from None
        return self._folder / f"{token}.lock"


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def turn_locks(database_file: str, connection: object) -> TurnLocks:
    """The turn locks of the database at `database_file` ("" for an in-memory one, on `connection`)."""
    if database_file:
        return TurnLocks(Path(database_file).parent / LOCKS_FOLDER)
    folder = getattr(connection, "turn_locks_folder", None)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="agentsh-locks-"))
        try:  # agentsh's own connections carry it, so every store on one connection shares it
            weakref.finalize(connection, shutil.rmtree, folder, True)
            setattr(connection, "turn_locks_folder", folder)  # noqa: B010 - an attribute of agentsh's own connection class
        except (AttributeError, TypeError):  # a plain sqlite3 connection: this store's own folder
            locks = TurnLocks(folder)
            weakref.finalize(locks, shutil.rmtree, folder, True)
            return locks
    return TurnLocks(folder)
