"""Helpers of the reliability suite: environments for agentsh subprocesses, and checks on a session
database read with plain sqlite3, so that agentsh's own code cannot hide a problem."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

MODEL = "openai/fake-model"
FAKE_KEY = "sk-test-reliability"


def agentsh_env(server=None, **extra: str) -> dict[str, str]:
    """The environment of an agentsh subprocess: this one's (already isolated), plus the fake provider."""
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    if server is not None:
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY=FAKE_KEY)
    env.update(extra)
    return env


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    connection.row_factory = sqlite3.Row
    return connection


def assert_integrity(path: Path) -> None:
    with closing(connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def assert_calls_answered(messages: list[dict], where: str) -> None:
    """Every assistant tool call is followed, before the next non-tool message, by exactly one result."""
    for index, message in enumerate(messages):
        calls = json.loads(message["tool_calls"]) if message["tool_calls"] else []
        if not calls:
            continue
        answers = []
        for later in messages[index + 1:]:
            if later["role"] != "tool":
                break
            answers.append(later["tool_call_id"])
        assert sorted(answers) == sorted(c["id"] for c in calls), f"{where}: tool call without its result at seq {message['seq']}"


def assert_no_half_written_turn(path: Path) -> dict[str, int]:
    """A running turn has no message rows (they come with its end, in one transaction); a finished turn
    starts with its user message and answers every tool call; seq numbers have no gaps or repeats.

    Returns the number of turns in each status.
    """
    with closing(connect(path)) as db:
        statuses: dict[str, int] = {}
        for turn in db.execute("SELECT id, session_id, status FROM turns ORDER BY id").fetchall():
            statuses[turn["status"]] = statuses.get(turn["status"], 0) + 1
            rows = db.execute("SELECT * FROM messages WHERE turn_id = ? ORDER BY seq", [turn["id"]]).fetchall()
            where = f"turn {turn['id']} ({turn['status']}) of session {turn['session_id']}"
            if turn["status"] == "running":
                assert rows == [], f"{where}: messages written before the turn ended"
                continue
            assert turn["status"] in ("done", "interrupted", "failed"), where
            assert rows and rows[0]["role"] == "user", f"{where}: does not start with its user message"
            assert_calls_answered(rows, where)
            if turn["status"] == "done":
                assert rows[-1]["role"] == "assistant" and not rows[-1]["interrupted"], f"{where}: no final answer"
        for (session_id,) in db.execute("SELECT id FROM sessions").fetchall():
            seqs = [r[0] for r in db.execute("SELECT seq FROM messages WHERE session_id = ? ORDER BY seq", [session_id])]
            assert seqs == list(range(len(seqs))), f"session {session_id}: message seq numbers {seqs}"
    return statuses


def done_prompts(path: Path) -> dict[str, list[str]]:
    """Per session, the user message of every turn that ended `done`, in order."""
    sql = """SELECT t.session_id, m.content FROM turns t JOIN messages m ON m.turn_id = t.id AND m.role = 'user'
             WHERE t.status = 'done' ORDER BY t.id"""
    found: dict[str, list[str]] = {}
    with closing(connect(path)) as db:
        for session_id, content in db.execute(sql):
            found.setdefault(session_id, []).append(content)
    return found


def tree_digest(*roots: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """path -> sha256 of every file (or "folder") under `roots`: for "no file was modified or created"."""
    digest = {}
    for root in roots:
        for path in sorted([root, *root.rglob("*")] if root.is_dir() else [root] if root.exists() else []):
            if path.name in skip:
                continue
            digest[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return digest


async def run_shell_call(executor, command: str, answer):
    """Run one run_shell call through `executor`, answering its approval with `answer`; (questions asked, output)."""
    import json

    from agentsh.events import ApprovalRequest
    from agentsh.messages import ToolCallPart

    asked: list[ApprovalRequest] = []

    def emit(event):
        if isinstance(event, ApprovalRequest):
            asked.append(event)
            event.decision.set_result(answer)

    call = ToolCallPart(id="c1", name="run_shell", arguments=json.dumps({"command": command}))
    [result] = await executor.run([call], emit)
    return asked, result.output
