"""Case 14: a corrupt database, a database from a newer agentsh, an unusable data home, a config
file with a syntax error: one clear line each, exit 1, and no file modified or created.

Each damaged setup is met by the commands a user would run (`agentsh run`, `agentsh sessions`,
`agentsh memory`); the data home and the config folder are compared byte for byte afterwards.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reliability_support import tree_digest

from agentsh.config import config_dir
from agentsh.messages import Message, user
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

SESSION = "kept-session"
RUN = ["run", "--home", "{home}", "--model", "offline", "hello"]
RESUME = ["run", "--home", "{home}", "--model", "offline", "-s", SESSION, "hello"]
LIST = ["sessions", "--home", "{home}", "list"]
SHOW = ["sessions", "--home", "{home}", "show", SESSION]
MEMORY = ["memory", "--home", "{home}", "list"]


def good_database(path: Path) -> SessionStore:
    store = SessionStore(open_database(path))
    store.create(session_id=SESSION, mode="chat", model="offline", title="kept")
    store.add_messages(SESSION, [user("x" * 3000), Message(role="assistant", content="y" * 3000)])
    return store


def random_bytes(home: Path) -> None:
    (home / DB_FILENAME).write_bytes(os.urandom(8192))


def not_a_database(home: Path) -> None:
    (home / DB_FILENAME).write_text("my notes, not a database\n" * 100)


def damaged_page(home: Path) -> None:
    """The schema reads fine; the page holding the messages is garbage (found only when read)."""
    store = good_database(home / DB_FILENAME)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = store.db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
    size = store.db.execute("PRAGMA page_size").fetchone()[0]
    store.db.conn.close()
    data = bytearray((home / DB_FILENAME).read_bytes())
    data[(root - 1) * size: root * size] = b"\xde\xad\xbe\xef" * (size // 4)
    (home / DB_FILENAME).write_bytes(bytes(data))


def newer_schema(home: Path) -> None:
    store = good_database(home / DB_FILENAME)
    store.db["_sqlite_migrations"].insert({"migration_set": "agentsh", "name": "m999_from_the_future", "applied_at": "2099-01-01"})
    store.db.conn.close()


def database_is_a_directory(home: Path) -> None:
    (home / DB_FILENAME).mkdir()


def home_is_a_file(home: Path) -> None:
    home.rmdir()
    home.write_text("a file where the data home should be")


def unreadable_home(home: Path) -> None:
    good_database(home / DB_FILENAME).db.conn.close()
    home.chmod(0)


def config_syntax_error(home: Path) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text('model = "offline"\nmode = \n[modes.chat\n')


def config_unknown_setting(home: Path) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "config.toml").write_text('model = "offline"\nmodle = "typo"\n')


CASES = {
    # setup, commands, what the line must name
    "random-bytes": (random_bytes, [RUN, LIST, MEMORY], DB_FILENAME),
    "not-a-database": (not_a_database, [RUN, LIST], "not an SQLite database"),
    "damaged-page": (damaged_page, [RESUME, SHOW], "damaged"),
    "newer-schema": (newer_schema, [RUN, LIST, MEMORY], "newer agentsh"),
    "database-is-a-directory": (database_is_a_directory, [RUN, LIST], "is a directory"),
    "home-is-a-file": (home_is_a_file, [RUN, LIST], "data home"),
    "unreadable-home": (unreadable_home, [RUN, LIST], "Permission denied"),
    "config-syntax-error": (config_syntax_error, [RUN, LIST], "config.toml is not valid TOML"),
    "config-unknown-setting": (config_unknown_setting, [RUN], "modle"),
}


@pytest.mark.parametrize("kind", CASES)
def test_case14_unusable_files_are_one_clear_line_and_left_alone(agentsh, home, kind):
    setup, commands, named = CASES[kind]
    if kind == "unreadable-home" and os.geteuid() == 0:
        pytest.skip("root reads any folder: permissions cannot make the data home unreadable")
    setup(home)
    before = tree_digest(home, config_dir().parent)
    try:
        for command in commands:
            result = agentsh(*[argument.replace("{home}", str(home)) for argument in command])
            stderr = result.stderr.decode()
            assert result.returncode == 1, (command, stderr)
            assert result.stdout == b"", command
            assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr, stderr
            assert stderr.startswith("agentsh: ") and named in stderr, stderr
            assert tree_digest(home, config_dir().parent) == before, f"{command} changed or created a file"
    finally:
        if home.is_dir():
            home.chmod(0o755)
