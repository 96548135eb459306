"""Case 37: a data home agentsh cannot write is said to be read-only (not "damaged"), and what it
holds can still be read.

`sessions list/show/search/export` and `memory list/search` work and show the stored session and
memory; `run` (new or resumed), `sessions rename/delete/fork` and `memory add/forget` fail with one
line naming the folder and what to do (chmod, remount, or --home), exit 1, and no file changes.

Tests run as root, which ignores permission bits, so the home is made read-only in two ways:
- really: a read-only bind mount of the home (`mount --bind -o ro`) in a private mount namespace
  (`unshare -rm`), which binds root too; the agentsh commands are subprocesses inside it. Skipped
  where such a mount cannot be made.
- by the check: agentsh's own writability check (`store.db._not_writable`, os.access) reports the
  folder as not writable, in process (the real `cli.main`); SQLite itself could still write here,
  so this proves agentsh opens read-only and refuses writes by itself.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import agentsh_env, tree_digest

import agentsh.store.db as store_db
from agentsh.memory.store import MemoryStore
from agentsh.messages import Message, user
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

SESSION = "kept-session"
READS = [
    (["sessions", "--home", "{home}", "list"], "kept title"),
    (["sessions", "--home", "{home}", "show", SESSION], "the kept answer"),
    (["sessions", "--home", "{home}", "search", "kept"], SESSION),
    (["sessions", "--home", "{home}", "export", SESSION, "--format", "json"], "the kept answer"),
    (["memory", "--home", "{home}", "list"], "teal"),
    (["memory", "--home", "{home}", "search", "colour"], "teal"),
]
WRITES = [
    ["run", "--home", "{home}", "--model", "offline", "hello"],
    ["run", "--home", "{home}", "--model", "offline", "-s", SESSION, "hello"],
    ["sessions", "--home", "{home}", "rename", SESSION, "new", "title"],
    ["sessions", "--home", "{home}", "delete", SESSION, "--yes"],
    ["sessions", "--home", "{home}", "fork", SESSION],
    ["memory", "--home", "{home}", "add", "my name is Ada"],
    ["memory", "--home", "{home}", "forget", "1"],
]


def fill(home: Path) -> None:
    store = SessionStore(open_database(home / DB_FILENAME))
    store.create(session_id=SESSION, mode="chat", model="offline", title="kept title")
    store.add_messages(SESSION, [user("a kept question"), Message(role="assistant", content="the kept answer")])
    MemoryStore(store.db).add("my favourite colour is teal")
    store.db.conn.close()


def argv(command: list[str], home: Path) -> list[str]:
    return [argument.replace("{home}", str(home)) for argument in command]


def check(results: list[tuple[list[str], int, str, str]], home: Path, fix: str) -> None:
    for (command, expected), (status, out, err) in zip(READS, results[: len(READS)], strict=True):
        assert status == 0 and expected in out, (command, err)
        assert "Traceback" not in err, err
    for command, (status, out, err) in zip(WRITES, results[len(READS):], strict=True):
        assert status == 1 and out == "", (command, out, err)
        assert err.splitlines() == [err.rstrip("\n")], f"{command}: one line, not {err!r}"
        assert err.startswith(f"agentsh: the data home {home} is read-only"), (command, err)
        assert "damaged" not in err and fix in err and "--home" in err, err


def unshare_available(tmp_path: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    script = 'mount --bind -o ro "$0" "$0" && ! touch "$0/x" 2>/dev/null'
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script, str(probe)], capture_output=True, timeout=30)
    return result.returncode == 0


def test_case37_a_read_only_mount_is_read_only_not_damaged(home, workdir, tmp_path):
    if not unshare_available(tmp_path):
        pytest.skip("cannot make a read-only bind mount here (unshare -rm with mount --bind -o ro)")
    fill(home)
    before = tree_digest(home)
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    results = []
    for command in [c for c, _ in READS] + WRITES:
        run = ["unshare", "-rm", "sh", "-c", script, str(home), sys.executable, "-m", "agentsh", *argv(command, home)]
        result = subprocess.run(run, cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        results.append((result.returncode, result.stdout, result.stderr))
    check(results, home, "remount it read-write")
    assert tree_digest(home) == before


def test_case37_a_home_agentsh_cannot_write_is_opened_read_only(home, cli, monkeypatch):
    fill(home)
    before = tree_digest(home, skip=(f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm"))  # root's SQLite may make these
    monkeypatch.setattr(store_db, "_not_writable", lambda path: path.parent)
    results = [cli(*argv(command, home)) for command in [c for c, _ in READS] + WRITES]
    check(results, home, f"chmod u+w {home}")
    assert tree_digest(home, skip=(f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm")) == before
    exported = json.loads(cli(*argv(READS[3][0], home))[1])
    assert [m["content"] for m in exported["messages"]] == ["a kept question", "the kept answer"]
