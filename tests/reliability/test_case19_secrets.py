"""Case 19: with a key in the environment, after verbose logging, errors and an export, the key
appears nowhere: not in the database (or its WAL), the history file, the logs (stdout and
stderr), nor the exports.

The provider echoes the key in its error messages (as real providers do for a rejected key),
once in an error that is retried and once in one that is not; litellm runs with its debug
logging on (LITELLM_LOG=DEBUG); a shell tool prints the environment. Every file agentsh could
have written (data home, config, home folder, workspace, exports) is then searched for the key.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path

from reliability_support import MODEL, agentsh_env

from fakeserver import Reply

KEY = f"sk-test-{secrets.token_hex(16)}"


def everything_written(*roots) -> dict[str, bytes]:
    """Every file's bytes, read again whole when one vanished mid-read (SQLite removes its -wal file when the
    last connection closes, and a session's background work may close it just then)."""
    for _ in range(10):
        try:
            return {str(path): path.read_bytes() for root in roots for path in root.rglob("*") if path.is_file()}
        except FileNotFoundError:
            time.sleep(0.2)
    raise AssertionError("the data home kept changing while it was read")


def test_case19_the_key_is_never_stored_logged_or_exported(agentsh, cli, server, home, workdir, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    echoed = f"Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys."
    server.enqueue(Reply(status=500, error_message=f"upstream failed for key {KEY}"), Reply(status=401, error_message=echoed))
    env = agentsh_env(server, OPENAI_API_KEY=KEY, LITELLM_LOG="DEBUG")
    failed = agentsh("run", "--model", MODEL, "--home", str(home), "--json", "hello", env=env)
    assert failed.returncode == 1
    assert server.hits == 2 and all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in server.requests), "the key was used"
    logs = [failed.stdout, failed.stderr]
    events = [json.loads(line) for line in failed.stdout.splitlines()]
    assert any(e["type"] == "notice" and "***" in e["message"] for e in events), "the retried error, redacted"
    assert any(e["type"] == "error" and "***" in e["message"] for e in events), "the final error, redacted"
    session_id = events[0]["session_id"]

    server.clear()
    server.enqueue(
        Reply(tool_calls=[{"name": "run_shell", "arguments": {"command": "env; echo key=$OPENAI_API_KEY"}}]),
        Reply(text="Your environment looks fine."),
    )
    status, out, err = cli("run", "--home", str(home), "-s", session_id, "--yes", "--json", "check my environment")
    assert status == 0, err
    logs += [out.encode(), err.encode()]
    [result] = [e for e in map(json.loads, out.splitlines()) if e["type"] == "tool_result"]
    assert "key=***" in result["output"] and "OPENAI_API_KEY=***" in result["output"]
    assert KEY not in json.dumps(server.requests[-1]["body"]), "the model is not shown the key"

    exports = tmp_path / "exports"
    exports.mkdir()
    for form in ("md", "json"):
        status, out, err = cli("sessions", "--home", str(home), "export", session_id, "-f", form, "-o", str(exports / f"session.{form}"))
        assert status == 0, err
    status, out, err = cli("sessions", "--home", str(home), "show", session_id, "--json")
    logs += [out.encode(), err.encode()]
    assert "***" in (exports / "session.json").read_text()

    isolated = Path(os.environ["XDG_CONFIG_HOME"]).parent  # this test's config, data and home folders
    written = everything_written(home, workdir, exports, isolated)
    assert any(name.endswith("agentsh.db") for name in written) and any(name.endswith(".json") for name in written)
    leaks = [name for name, data in written.items() if KEY.encode() in data]
    assert leaks == [], f"the key was written to {leaks}"
    assert not any(KEY.encode() in log for log in logs), "the key was printed"
