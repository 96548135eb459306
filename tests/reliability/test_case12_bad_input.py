"""Case 12: a 1 MB paste, invalid UTF-8, NUL bytes, an empty prompt: a clear answer or a clear error.

`agentsh run` is run as a user would, with the bad input on stdin or in its arguments: it
either answers (exit 0, with at most a one-line warning saying what it repaired) or refuses
in one line (exit 2). Never a traceback. A workspace file whose name is not UTF-8 does not
break a turn either, and a Session (the REPL's and the TUI's way in) takes the same input.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing

import pytest

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME

from helpers import send

MEGABYTE_PASTE = ("A pasted log line, the same again and again; " * 23 + "\n").encode() * 1000  # just over 1 MB
ANSWER = "(offline model)"

CASES = {
    # name: (arguments, stdin, exit status, what stderr must say, what the stored prompt contains)
    "1MB-paste": (["-"], MEGABYTE_PASTE, 0, None, "A pasted log line"),
    "invalid-utf8-stdin": (["-"], b"caf\xe9 cr\xe8me \xff\xfe", 0, "not valid UTF-8", "caf\ufffd"),
    "nul-bytes-stdin": (["-"], b"before\x00after\x00\x00", 0, "NUL", "before\ufffdafter"),
    "invalid-utf8-argument": ([b"caf\xe9 au lait".decode("utf-8", "surrogateescape")], None, 0, "not valid UTF-8", "caf\ufffd au lait"),
    "empty-argument": (["   "], None, 2, "the prompt is empty", None),
    "no-prompt": ([], None, 2, "the prompt is empty", None),
    "empty-stdin": (["-"], b"", 2, "the prompt is empty", None),
    "blank-stdin": (["-"], b"  \n\n\t\n", 2, "the prompt is empty", None),
    "invalid-utf8-session-id": (["-s", b"\xff".decode("utf-8", "surrogateescape"), "hello"], None, 2, "not valid UTF-8", None),
    "invalid-utf8-home": (["--home", os.fsdecode(b"/tmp/agentsh-\xff"), "hello"], None, 2, "not valid UTF-8", None),
}


def stored_prompts(home) -> list[str]:
    path = home / DB_FILENAME
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT content FROM messages WHERE role = 'user'")]


@pytest.mark.parametrize("name", CASES)
def test_case12_bad_input_gets_a_clear_answer_or_a_clear_error(agentsh, home, name):
    arguments, stdin, status, says, stored = CASES[name]
    result = agentsh("run", "--model", "offline", "--home", str(home), *arguments, input=stdin)

    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and result.returncode == status, stderr
    assert all(line.startswith("agentsh: ") for line in stderr.splitlines()), stderr
    if says:
        assert len([line for line in stderr.splitlines() if says in line]) == 1, stderr
    if status == 0:
        assert result.stdout.decode().startswith(ANSWER)
        [prompt] = stored_prompts(home)
        assert stored in prompt and "\x00" not in prompt
        if "1MB" in name:
            assert len(prompt) >= len(MEGABYTE_PASTE)
    else:
        assert result.stdout == b"" and len(stderr.splitlines()) == 1
        assert stored_prompts(home) == []


def test_case12_a_file_name_that_is_not_utf8_does_not_break_the_turn(agentsh, home, workdir):
    (workdir / os.fsdecode(b"report-\xff.txt")).write_text("numbers")
    result = agentsh("run", "--model", "offline", "--home", str(home), "--json", "use list_files")
    assert result.returncode == 0, result.stderr.decode()
    events = [json.loads(line) for line in result.stdout.splitlines()]
    [listing] = [e for e in events if e["type"] == "tool_result"]
    assert listing["ok"] and listing["output"] == "report-\\xff.txt", "the odd byte is shown, not lost"
    assert not events[-1]["failed"]


@pytest.mark.parametrize("text", ["a\x00b", "x" * 1_000_000, " ", "\x1b[2J\x1b]0;title\x07"])
async def test_case12_a_session_takes_odd_input_too(home, workdir, text):
    session = Session.open(Settings(home=home, model="offline"))
    events = await send(session, text)
    assert events[-1].type == "done" and not events[-1].failed
    assert session.store.messages(session.id)[0].content == text


async def test_case12_a_session_takes_undecodable_bytes_from_a_terminal(home, workdir):
    session = Session.open(Settings(home=home, model="offline"))
    events = await send(session, b"caf\xe9".decode("utf-8", "surrogateescape"))
    assert events[-1].type == "done" and not events[-1].failed
    assert session.store.messages(session.id)[0].content == "caf\ufffd"
