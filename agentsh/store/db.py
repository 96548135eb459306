"""Open the session database safely: validate, WAL, busy timeout, foreign keys, migrate.

A data home agentsh cannot write (permissions, a read-only mount) is opened read-only: what
it holds can be shown, and every write fails with one StoreError saying so and what to do.

Another process writing the database makes a write wait, up to the store timeout (the
`store_timeout` setting, 30 s by default), calling `on_wait(seconds)` about once a second so
that a front door can say why nothing happens; then it fails with one StoreError line.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from ..errors import DatabaseBusy, StoreError

DB_FILENAME = "agentsh.db"
BUSY_TIMEOUT_MS = 30_000  # the default store timeout
WAIT_SLICE = 1.0  # seconds between calls of on_wait while another process writes
_SQLITE_HEADER = b"SQLite format 3\x00"

OnWait = Callable[[float], None]


def open_database(path: Path | str, timeout: float = BUSY_TIMEOUT_MS / 1000, on_wait: OnWait | None = None) -> Database:
    """Open (creating if needed) and migrate the database at `path`.

    A file that is not SQLite, is corrupt, or was written by a newer agentsh raises
    StoreError naming the file, and the file is left exactly as it was. A write waits up
    to `timeout` seconds for another process's, calling `on_wait` meanwhile.
    """
    path = Path(path)
    read_only_uri = None if str(path) == ":memory:" else _check_file(path)
    connection = None
    try:
        target = read_only_uri or str(path)
        connection = sqlite3.connect(target, uri=bool(read_only_uri), timeout=timeout, check_same_thread=False, factory=_Connection)
        connection.path, connection.read_only = str(path), bool(read_only_uri)
        connection.wait_limit, connection.on_wait = timeout, on_wait
        return _prepare(_SharedDatabase(connection, execute_plugins=False), path)
    except (sqlite3.DatabaseError, StoreError) as error:
        if connection is not None:
            connection.close()
        if isinstance(error, StoreError):
            raise
        raise StoreError(f"cannot use the session database {path}: {error}") from None


def _prepare(db: Database, path: Path) -> Database:
    """Refuse a newer schema before changing anything (even the journal mode), then migrate
    (a read-only database is read as it is)."""
    from .migrations import applied_names, migrate, refuse_newer_schema

    applied = applied_names(db)
    refuse_newer_schema(db, path, applied)
    if not getattr(db.conn, "read_only", False):
        _configure(db)
        migrate(db, path, applied)
    return db


def _check_file(path: Path) -> str | None:
    """Refuse what cannot be a session database; the URI to open it read-only with when it cannot be written."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a session database")
    if not path.parent.is_dir():
        _ensure_parent(path)
    if _not_writable(path) is not None:
        if not path.exists():
            raise read_only_error(path, "and holds no session database yet")
        return _read_only_uri(path)
    if path.exists():
        _check_readable_by_sqlite(path)
    return None


def _not_writable(path: Path) -> Path | None:
    """The data home, or the one of its database files, that this process cannot write (None: all can be)."""
    if not os.access(path.parent, os.W_OK):
        return path.parent
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return next((f for f in files if f.exists() and not os.access(f, os.W_OK)), None)


def read_only_error(path: Path | str, detail: str = "") -> StoreError:
    path = Path(path)
    target = _not_writable(path) or path.parent
    what = "data home" if target == path.parent else "session database file"
    fix = "remount it read-write" if _on_read_only_filesystem(target) else f"chmod u+w {target}"
    return StoreError(
        f"the {what} {target} is read-only{' ' + detail if detail else ''}: agentsh can show what it holds but not save "
        f"anything; make it writable ({fix}) or choose another data home with --home"
    )


def _on_read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def refuse_if_read_only(db: Database) -> None:
    """A write to a database opened read-only: one line saying so, before anything is attempted."""
    if getattr(db.conn, "read_only", False):
        raise read_only_error(getattr(db.conn, "path", ""))


def _uri(path: Path, query: str) -> str:
    return f"file:{urllib.parse.quote(str(path))}?{query}"


def _read_only_uri(path: Path) -> str:
    """mode=ro, or, when SQLite cannot make the WAL index in a read-only folder and no write-ahead log is
    pending (the last writer closed cleanly), immutable=1: nothing can change a file nobody can write."""
    try:
        _check_readable_by_sqlite(path)
        return _uri(path, "mode=ro")
    except StoreError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise
    _check_readable_by_sqlite(path, "mode=ro&immutable=1")
    return _uri(path, "mode=ro&immutable=1")


def _ensure_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the data home {path.parent}: {error.strerror}") from None


def _check_readable_by_sqlite(path: Path, query: str = "mode=ro") -> None:
    """Read the schema without write access, so a damaged or foreign file is never touched.

    Only SQLite opens the file here: closing a descriptor opened by anyone else would drop
    the POSIX locks of this process's other connections to it, and with them WAL safety.
    """
    try:
        connection = sqlite3.connect(_uri(path, query), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise _unusable(path, error) from None


def _unusable(path: Path, error: sqlite3.DatabaseError) -> StoreError:
    """Why SQLite refused the file; reading its header ourselves is safe now that SQLite cannot use it."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as problem:
        return StoreError(f"cannot read the session database {path}: {problem.strerror}")
    if header and header != _SQLITE_HEADER:
        return StoreError(f"{path} is not an SQLite database; move it aside or choose another data home with --home")
    if type(error) is not sqlite3.DatabaseError and _code(error) in (_SQLITE_CANTOPEN, _SQLITE_READONLY, _SQLITE_PERM):
        return StoreError(f"cannot open the session database {path} ({error}); check the permissions of it and its folder")
    return _damaged(path, error)


def _damaged(path: object, error: sqlite3.DatabaseError) -> StoreError:
    return StoreError(f"the session database {path} is damaged ({error}); move it aside or restore a backup")


_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 3, 5, 6, 8, 10, 13, 14


def _code(error: sqlite3.Error) -> int:
    """SQLite's primary result code (extended codes carry it in their low byte)."""
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF


def _store_error(path: str, error: sqlite3.DatabaseError) -> StoreError | None:
    """What the user must hear about a failure of the file or its disk; None for the program's own errors
    (a constraint, a syntax error...), which stay exceptions."""
    if type(error) is sqlite3.DatabaseError:
        return _damaged(path, error)
    code = _code(error)
    if code == _SQLITE_READONLY:
        return read_only_error(path)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return _busy(path)
    if code == _SQLITE_FULL:
        return StoreError(f"the disk holding the session database {path} is full; free some space (earlier turns are safe)")
    if code == _SQLITE_IOERR:
        return StoreError(f"the session database {path} could not be read or written ({error}); check its disk")
    return None


def _busy(path: str, waited: float | None = None) -> DatabaseBusy:
    how_long = f" for {waited:.0f} s" if waited else ""
    return DatabaseBusy(
        f"the session database {path} is locked: another process (another agentsh?) has been writing to it{how_long}; "
        "try again once it has finished, or raise store_timeout in the config"
    )


def _naming_the_file(method):
    """SQLite reports a corrupt page only when it reads it, a full disk only when it writes: one StoreError
    naming the file then."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as error:
            reported = _store_error(self.connection.path, error)
            if reported is None:
                raise
            raise reported from None

    return wrapper


class _Cursor(sqlite3.Cursor):
    execute = _naming_the_file(sqlite3.Cursor.execute)
    executemany = _naming_the_file(sqlite3.Cursor.executemany)
    executescript = _naming_the_file(sqlite3.Cursor.executescript)
    fetchone = _naming_the_file(sqlite3.Cursor.fetchone)
    fetchmany = _naming_the_file(sqlite3.Cursor.fetchmany)
    fetchall = _naming_the_file(sqlite3.Cursor.fetchall)
    __next__ = _naming_the_file(sqlite3.Cursor.__next__)


class _SharedDatabase(Database):
    """sqlite-utils' `query` and `atomic` open a savepoint, which on a connection outside a transaction begins one:
    on the connection the app's threads share, they take their turn like a write (`write_transaction`), or a
    query in one thread would open a transaction another thread's BEGIN fails on, or release its savepoint."""

    def query(self, sql: str, params: Sequence | dict[str, Any] | None = None) -> Generator[dict, None, None]:
        with _writer_turn(self, None):
            return super().query(sql, params)

    @contextlib.contextmanager
    def atomic(self) -> Generator[Database, None, None]:
        with _writer_turn(self, None), super().atomic() as database:
            yield database


class _Connection(sqlite3.Connection):
    """A connection whose statements and rows report a damaged file or a full disk as StoreError naming it."""

    def __init__(self, database: str, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        self.path = database
        self.read_only = False
        self.wait_limit: float = BUSY_TIMEOUT_MS / 1000
        self.on_wait: OnWait | None = None
        # The app's threads share one connection; SQLite's transaction is the connection's, so a second
        # thread's BEGIN would fail ("cannot start a transaction within a transaction") or join the first's.
        self.writer = threading.RLock()

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script, /):
        return self.cursor().executescript(script)


def _configure(db: Database) -> None:
    db.execute("PRAGMA foreign_keys = ON")
    if not db.memory:
        _switch_to_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")


def _switch_to_wal(db: Database, attempts: int = 250) -> None:
    """Two first runs racing on a new file: the journal-mode switch can meet the other's lock without
    SQLite's busy handler being asked, so wait and try again here (up to ~5 s)."""
    for attempt in range(attempts):
        try:
            with db.ensure_autocommit_on():
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.02)


@contextlib.contextmanager
def write_transaction(db: Database, patience: float | None = None) -> Iterator[Database]:
    """BEGIN IMMEDIATE: take the write lock up front, so a busy database waits instead of failing.

    The wait lasts up to the store timeout, reported through the connection's `on_wait`; or,
    given `patience`, at most that many seconds, silently (for writes that may be skipped).
    """
    with _writer_turn(db, patience):
        if db.conn.in_transaction:  # this thread's own, further out
            with db.atomic():
                yield db
            return
        refuse_if_read_only(db)
        _begin_immediate(db, patience)
        try:
            yield db
            db.execute("COMMIT")  # a full disk may fail only here, leaving the transaction open
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.conn.rollback()
            raise


@contextlib.contextmanager
def _writer_turn(db: Database, patience: float | None) -> Iterator[None]:
    """Until another thread's write transaction on this connection has ended (as long as a busy database
    would be waited for)."""
    writer = getattr(db.conn, "writer", None)
    if writer is None:  # a connection agentsh did not open
        yield
        return
    limit = getattr(db.conn, "wait_limit", BUSY_TIMEOUT_MS / 1000) if patience is None else patience
    if not writer.acquire(timeout=limit):
        raise _busy(getattr(db.conn, "path", "?"), limit)
    try:
        yield
    finally:
        writer.release()


def _begin_immediate(db: Database, patience: float | None) -> None:
    connection = db.conn
    limit = getattr(connection, "wait_limit", BUSY_TIMEOUT_MS / 1000) if patience is None else patience
    on_wait = getattr(connection, "on_wait", None) if patience is None else None
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        try:
            with _busy_timeout(connection, min(WAIT_SLICE, max(limit - waited, 0.001))):
                db.execute("BEGIN IMMEDIATE")
            return
        except DatabaseBusy:
            waited = time.monotonic() - started
            if waited >= limit:
                raise _busy(getattr(connection, "path", "?"), waited) from None
            if on_wait is not None:
                on_wait(waited)


@contextlib.contextmanager
def _busy_timeout(connection: sqlite3.Connection, seconds: float) -> Iterator[None]:
    """SQLite's own wait, for one slice of ours (straight on the connection: ~2 pragmas per transaction)."""
    execute = sqlite3.Connection.execute
    execute(connection, f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    try:
        yield
    finally:
        execute(connection, f"PRAGMA busy_timeout = {int(getattr(connection, 'wait_limit', BUSY_TIMEOUT_MS / 1000) * 1000)}")
