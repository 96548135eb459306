"""Case 46: what the command-line listings print to a terminal is shown, never executed.

`agentsh tools`, `agentsh plugins list`, `sessions export --format md` and the `sessions import`
message printed plugin names, descriptions and session titles raw: a title change, a screen
clear and a clipboard write ran. Every command but the shells now neutralises all it writes to a
terminal; piped output stays byte for byte what was stored.
"""

from __future__ import annotations

import subprocess
import sys

from reliability_support import agentsh_env
from test_case13_terminal_escapes import run_on_terminals

from agentsh.store.db import open_database
from agentsh.store.sessions import SessionStore
from agentsh.store.transfer import export_json

HOSTILE = "title\x1b]0;PWNED\x07 clear\x1b[2J clipboard\x1b]52;c;Y3VybA==\x07 csi8\x9b2J"
RAW = [b"\x1b]0;PWNED", b"\x1b[2J", b"\x1b]52;", "\x9b".encode()]
PLUGIN = f'''
from agentsh import tool


@tool
def banner() -> str:
    """{HOSTILE}"""
    return "ok"
'''


def assert_neutralised(shown: bytes) -> None:
    for raw in RAW:
        assert raw not in shown, raw
    assert "␛".encode() in shown, "the escapes are shown as visible text"


def test_case46_tools_and_plugins_listings(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hostile.py").write_text(PLUGIN, encoding="utf-8")
    (plugins / "named\x1b]0;PWNED\x07\x1b[2J.py").write_text(PLUGIN.replace("banner", "named"), encoding="utf-8")
    env = agentsh_env()
    for command in (["tools"], ["plugins", "list"]):
        status, out, err = run_on_terminals(["--home", str(tmp_path / "home"), "--plugins", str(plugins), *command], tmp_path, env)
        assert status == 0, (command, err)
        assert b"banner" in out
        assert_neutralised(out + err)


def test_case46_session_import_message_and_markdown_export(tmp_path):
    home = tmp_path / "home"
    source = SessionStore(open_database(tmp_path / "source.db"))
    record = source.create(mode="chat", model="offline", title=HOSTILE)
    path = tmp_path / "session.json"
    path.write_text(export_json(source, record.id), encoding="utf-8")
    env = agentsh_env()
    status, out, err = run_on_terminals(["--home", str(home), "sessions", "import", str(path)], tmp_path, env)
    assert status == 0, err
    assert_neutralised(out + err)
    session_id = out.decode().split("imported session ", 1)[1].split(":", 1)[0].split()[0]
    status, out, err = run_on_terminals(["--home", str(home), "sessions", "export", session_id, "--format", "md"], tmp_path, env)
    assert status == 0, err
    assert_neutralised(out)
    piped = subprocess.run([sys.executable, "-m", "agentsh", "--home", str(home), "sessions", "export", session_id, "--format", "md"],
                           env=env, capture_output=True, text=True, check=True)
    assert HOSTILE in piped.stdout, "piped, the export is exactly what was stored"
    assert source.get(record.id).title == HOSTILE
