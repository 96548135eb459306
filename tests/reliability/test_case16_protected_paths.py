"""Case 16: tools never write agentsh's own config, plugin directories or trust list, even with --yes.

agentsh runs in the user's home folder, so its config, its data home and a trusted workspace's
plugin folders all lie inside the workspace the file tools may use: only the protection stops
the writes. The model (the fake server) tries every one of them, directly, through `..`,
through a symlink, and through the shell naming them; `--yes` approves every call. Each call
is refused with a result saying why, and not a byte changes. Writing elsewhere still works.

The shell guard refuses commands that *name* a protected path (absolute, or under ~ or
$HOME); it is not a sandbox: a command that reaches the path without naming it (`cd` first,
a relative path, a variable, a glob, a script) is not stopped. That limit is documented.
"""

from __future__ import annotations

import json

import pytest
from reliability_support import MODEL, tree_digest

from agentsh.store.db import DB_FILENAME

from fakeserver import Reply

CONFIG = ".config/agentsh"
DATA = ".local/share/agentsh"
FILE_TARGETS = {
    "config file": f"{CONFIG}/config.toml",
    "trust list": f"{CONFIG}/trusted.json",
    "user plugin folder": f"{CONFIG}/plugins/evil.py",
    "config folder, new file": f"{CONFIG}/new.toml",
    "trusted workspace plugins": "plugins/evil.py",
    "trusted workspace .agentsh/plugins, not there yet": ".agentsh/plugins/evil.py",
    "--plugins folder": "tools-dev/evil.py",
    "data home": f"{DATA}/{DB_FILENAME}",
    "through ..": f"notes/../{CONFIG}/config.toml",
    "through a symlink": "settings-link/config.toml",
}
SHELL_TARGETS = {
    "absolute": "echo pwned >> {root}/.config/agentsh/config.toml",
    "tilde": "echo pwned > ~/.config/agentsh/plugins/evil.py",
    "$HOME": "cp /dev/null $HOME/.config/agentsh/trusted.json",
    "${HOME}": "rm -rf ${{HOME}}/.local/share/agentsh",
    "plugin folder": "echo pwned > {root}/tools-dev/evil.py",
}


@pytest.fixture
def user_home(workdir, monkeypatch):
    """The user's home is the workspace; agentsh's config and data live inside it."""
    monkeypatch.setenv("HOME", str(workdir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(workdir / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(workdir / ".local/share"))
    for folder in (f"{CONFIG}/plugins", "plugins", "tools-dev", "notes", DATA):
        (workdir / folder).mkdir(parents=True)
    (workdir / CONFIG / "config.toml").write_text('model = "offline"\n')
    (workdir / CONFIG / "trusted.json").write_text(json.dumps({"trusted": [str(workdir)]}))
    for folder in (f"{CONFIG}/plugins", "plugins", "tools-dev"):
        (workdir / folder / "ok.py").write_text("from agentsh import tool\n")
    (workdir / "settings-link").symlink_to(workdir / CONFIG, target_is_directory=True)
    return workdir


def guarded(root) -> dict[str, str]:
    return tree_digest(root / ".config", root / "plugins", root / ".agentsh", root / "tools-dev")


def test_case16_no_tool_writes_agentsh_s_own_files_even_with_yes(cli, server, user_home):
    calls = [{"id": f"file {name}", "name": "write_file", "arguments": {"path": path, "content": "pwned"}}
             for name, path in FILE_TARGETS.items()]
    calls += [{"id": f"shell {name}", "name": "run_shell", "arguments": {"command": command.format(root=user_home)}}
              for name, command in SHELL_TARGETS.items()]
    calls += [{"id": "file allowed", "name": "write_file", "arguments": {"path": "notes/todo.md", "content": "fine"}},
              {"id": "shell allowed", "name": "run_shell", "arguments": {"command": "echo fine > notes/shell.txt"}}]
    server.enqueue(Reply(tool_calls=calls), Reply(text="Done."))
    before = guarded(user_home)
    database = (user_home / DATA / DB_FILENAME)

    status, out, err = cli("run", "--model", MODEL, "--plugins", str(user_home / "tools-dev"), "--yes", "--json", "set things up")

    assert status == 0, err
    results = {e["id"]: e for e in map(json.loads, out.splitlines()) if e["type"] == "tool_result"}
    assert len(results) == len(calls)
    for name in FILE_TARGETS:
        assert not results[f"file {name}"]["ok"] and "protected" in results[f"file {name}"]["output"], name
    for name in SHELL_TARGETS:
        assert not results[f"shell {name}"]["ok"] and "protected" in results[f"shell {name}"]["output"], name
    assert results["file allowed"]["ok"] and results["shell allowed"]["ok"]
    assert (user_home / "notes/todo.md").read_text() == "fine" and (user_home / "notes/shell.txt").read_text() == "fine\n"
    assert guarded(user_home) == before, "not a byte of agentsh's own files changed"
    assert not (user_home / ".agentsh").exists()
    assert database.exists() and database.read_bytes()[:16] == b"SQLite format 3\x00"
