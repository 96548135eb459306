"""A turn cut off by a dead process (kill -9) is recovered: partial answer kept, tool calls answered."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from agentsh.config import Settings
from agentsh.messages import Message, ToolCallPart, user
from agentsh.session import Session
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import INTERRUPTED_TOOL_RESULT, SessionStore

from fakeserver import Reply

POLL_LIMIT = 60.0  # seconds: the child imports litellm first, slow on a loaded machine


def agentsh_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "agentsh", *args]


def server_env(fake_server) -> dict[str, str]:
    return {
        **os.environ, "OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-test",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def run_agentsh(*args: str, env: dict | None = None, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        agentsh_command(*args), env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def wait_for_partial_text(path: Path, session_id: str, minimum: int) -> str:
    deadline = time.monotonic() + POLL_LIMIT
    while time.monotonic() < deadline:
        with sqlite3.connect(path, timeout=5) as db:
            row = db.execute(
                "SELECT partial_text FROM turns WHERE session_id = ? AND status = 'running'", [session_id]
            ).fetchone()
        if row and row[0] and len(row[0]) >= minimum:
            return row[0]
        time.sleep(0.05)
    raise AssertionError(f"no partial text reached {path} within {POLL_LIMIT} s")


def contents(messages: list[dict]) -> list[str]:
    return [m.get("content") or "" for m in messages]


LONG_ANSWER = "".join(f"word{i:03d} " for i in range(250))  # 2000 characters, 400 chunks of 5


def test_kill_9_mid_answer_keeps_earlier_turns_and_the_partial_answer(home, tmp_path, fake_server):
    env = server_env(fake_server)
    first = run_agentsh("run", "--model", "offline", "--home", str(home), "--json", "first question", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    session_id = json.loads(first.stdout.splitlines()[0])["session_id"]

    fake_server.enqueue(Reply(text=LONG_ANSWER, chunk_size=5, chunk_delay=0.05))
    process = subprocess.Popen(
        agentsh_command("run", "--model", "openai/fake-model", "--home", str(home), "--session", session_id, "tell me a long story"),
        env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        on_disk = wait_for_partial_text(home / DB_FILENAME, session_id, minimum=20)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert LONG_ANSWER.startswith(on_disk)

    with sqlite3.connect(home / DB_FILENAME) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    store = SessionStore(open_database(home / DB_FILENAME))
    messages = store.messages(session_id)
    assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0].content == "first question"
    assert messages[2].content == "tell me a long story"
    partial = messages[3]
    assert partial.interrupted and partial.content and LONG_ANSWER.startswith(partial.content)
    assert len(partial.content) >= len(on_disk)
    statuses = [r["status"] for r in store.db.query("SELECT status FROM turns WHERE session_id = ? ORDER BY id", [session_id])]
    assert statuses == ["done", "interrupted"]
    assert store.get(session_id).model == "openai/fake-model"
    store.db.conn.close()

    fake_server.enqueue(Reply(text="resumed fine"))
    resumed = run_agentsh("run", "--home", str(home), "--session", session_id, "go on", env=env, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip() == "resumed fine"
    sent = fake_server.last_body["messages"]
    sent_texts = contents(sent)
    assert "first question" in sent_texts
    assert messages[1].content in sent_texts
    assert "tell me a long story" in sent_texts
    assert partial.content in sent_texts
    assert sent[-1] == {"role": "user", "content": "go on"}


def _store(tmp_path: Path) -> SessionStore:
    return SessionStore(open_database(tmp_path / DB_FILENAME))


def _calls(*ids: str) -> Message:
    parts = [ToolCallPart(id=i, name="calculator", arguments='{"expression": "2+2"}') for i in ids]
    return Message(role="assistant", tool_calls=parts)


def writer_died(store: SessionStore, turn: int) -> None:
    """What a turn whose process died looks like: its pid gone, and a lock nobody holds (store/locks.py)."""
    store.db["turns"].update(turn, {"pid": dead_pid(), "lock": "held-by-a-process-that-died"})


def _dead_turn(store: SessionStore, draft: list[Message], partial: str = "") -> tuple[str, int]:
    record = store.create(mode="tools", model="offline")
    turn = store.begin_turn(record.id, draft[0], "tools", "offline")
    store.checkpoint(turn, draft, partial)
    writer_died(store, turn)
    return record.id, turn


def assert_every_call_answered(messages: list[Message]) -> None:
    for index, message in enumerate(messages):
        if message.tool_calls:
            following = []
            for later in messages[index + 1:]:
                if later.role != "tool":
                    break
                following.append(later.tool_call_id)
            assert sorted(following) == sorted(c.id for c in message.tool_calls)


def test_dangling_tool_call_of_a_dead_turn_gets_a_synthetic_error_result(tmp_path):
    store = _store(tmp_path)
    session_id, turn = _dead_turn(store, [user("add 2 and 2"), _calls("c1")])
    messages = store.messages(session_id)
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    result = messages[2]
    assert result.tool_call_id == "c1" and result.name == "calculator"
    assert result.content == INTERRUPTED_TOOL_RESULT and result.content.startswith("Error")
    assert store.db["turns"].get(turn)["status"] == "interrupted"
    assert store.db["turns"].get(turn)["draft"] is None
    assert store.messages(session_id) == messages, "recovered once only"


def test_partly_answered_calls_and_partial_text_are_recovered(tmp_path):
    store = _store(tmp_path)
    answered = Message(role="tool", content="4", tool_call_id="c1", name="calculator")
    session_id, _ = _dead_turn(store, [user("two sums"), _calls("c1", "c2"), answered], partial="So far the")
    messages = store.messages(session_id)
    assert_every_call_answered(messages)
    assert [m.content for m in messages if m.role == "tool"].count(INTERRUPTED_TOOL_RESULT) == 1
    assert messages[-1].role == "assistant" and messages[-1].interrupted and messages[-1].content == "So far the"


async def test_recovered_history_is_valid_to_send_again(tmp_path):
    store = _store(tmp_path)
    session_id, _ = _dead_turn(store, [user("calculator 2+2"), _calls("c1")])
    session = Session.open(Settings(model="offline", home=tmp_path), resume=session_id, store=store)
    events = [event async for event in session.send("and now?")]
    done = events[-1]
    assert done.type == "done" and not done.failed
    messages = store.messages(session_id)
    assert_every_call_answered(messages)
    assert messages[3].content == "and now?"


def test_a_turn_whose_writer_holds_its_lock_is_not_recovered_whatever_its_pid(tmp_path):
    store = _store(tmp_path)
    record = store.create(mode="tools", model="offline")
    turn = store.begin_turn(record.id, user("hi"), "tools", "offline")
    store.db["turns"].update(turn, {"pid": dead_pid(), "host": "another-host"})
    assert SessionStore(store.db).messages(record.id) == [], "another store in the writer's process sees the lock"
    assert store.db["turns"].get(turn)["status"] == "running"
    writer_died(store, turn)
    assert [m.content for m in store.messages(record.id)] == ["hi"]


def test_reading_history_mid_turn_in_the_same_process_does_not_recover_that_turn(tmp_path):
    """E.g. /export or a history view while this process is still streaming the turn."""
    store = _store(tmp_path)
    record = store.create(mode="tools", model="offline")
    turn = store.begin_turn(record.id, user("hi"), "tools", "offline")
    store.checkpoint(turn, [user("hi")], "partial")
    assert store.messages(record.id) == []
    store.finish_turn(turn, [user("hi"), Message(role="assistant", content="hello")], [], {"status": "done"})
    assert [m.content for m in store.messages(record.id)] == ["hi", "hello"]
    assert store.db["turns"].get(turn)["status"] == "done"


def test_a_turn_left_running_by_an_earlier_process_with_our_pid_is_recovered(tmp_path):
    """In a container agentsh may get the same pid every run: a stale turn with our pid is not ours."""
    store = _store(tmp_path)
    record = store.create(mode="tools", model="offline")
    store.db["turns"].insert({
        "session_id": record.id, "status": "running", "mode": "tools", "model": "offline", "started_at": "2020-01-01",
        "pid": os.getpid(), "host": store.host, "draft": '[{"role": "user", "content": "hi"}]', "partial_text": "Hel",
    })
    messages = store.messages(record.id)
    assert [(m.content, m.interrupted) for m in messages] == [("hi", False), ("Hel", True)]


SLOW_PLUGIN = '''
import time
from agentsh import tool


@tool
def slow_lookup(topic: str) -> str:
    """Look a topic up, slowly."""
    time.sleep(30)
    return "found"
'''


def wait_for_draft_tool_call(path: Path, session_id: str) -> None:
    deadline = time.monotonic() + POLL_LIMIT
    while time.monotonic() < deadline:
        with sqlite3.connect(path, timeout=5) as db:
            row = db.execute("SELECT draft_steps FROM turns WHERE session_id = ? AND status = 'running'", [session_id]).fetchone()
        if row and row[0] and '"slow_lookup"' in row[0]:
            return
        time.sleep(0.05)
    raise AssertionError("the tool call never reached the draft")


def test_kill_9_while_a_tool_runs_gives_the_call_a_synthetic_result(home, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow.py").write_text(SLOW_PLUGIN)
    store = SessionStore(open_database(home / DB_FILENAME))
    session_id = store.create(mode="tools", model="offline").id
    process = subprocess.Popen(
        agentsh_command("run", "--home", str(home), "-s", session_id, "--plugins", str(plugins), "--yes", "use slow_lookup on owls"),
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_draft_tool_call(home / DB_FILENAME, session_id)
    finally:
        process.kill()
        process.wait(timeout=10)
    messages = store.messages(session_id)
    assert [m.role for m in messages] == ["user", "assistant", "tool"]
    assert messages[1].tool_calls[0].name == "slow_lookup"
    assert messages[2].tool_call_id == messages[1].tool_calls[0].id
    assert messages[2].content == INTERRUPTED_TOOL_RESULT


def turn_statuses(path: Path, session_id: str) -> list[str]:
    with sqlite3.connect(path, timeout=5) as db:
        return [r[0] for r in db.execute("SELECT status FROM turns WHERE session_id = ? ORDER BY id", [session_id])]


def test_ctrl_c_mid_answer_saves_the_partial_answer_itself(home, tmp_path, fake_server):
    store = SessionStore(open_database(home / DB_FILENAME))
    session_id = store.create(mode="chat", model="openai/fake-model").id
    fake_server.enqueue(Reply(text=LONG_ANSWER, chunk_size=5, chunk_delay=0.05))
    process = subprocess.Popen(
        agentsh_command("run", "--home", str(home), "-s", session_id, "tell me a long story"),
        env=server_env(fake_server), cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_partial_text(home / DB_FILENAME, session_id, minimum=20)
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=15)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert turn_statuses(home / DB_FILENAME, session_id) == ["interrupted"], "saved by the process, not by recovery"
    messages = store.messages(session_id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].interrupted and LONG_ANSWER.startswith(messages[1].content) and messages[1].content


async def test_closing_the_event_stream_interrupts_and_keeps_the_partial_answer(tmp_path, fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.enqueue(Reply(text=LONG_ANSWER, chunk_size=5, chunk_delay=0.02))
    store = _store(tmp_path)
    session = Session.open(Settings(model="openai/fake-model", home=tmp_path), store=store)
    shown = ""
    stream = session.send("tell me a long story")
    async for event in stream:
        if event.type == "text":
            shown += event.delta
            if len(shown) >= 30:
                break
    await stream.aclose()
    messages = store.messages(session.id)
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].interrupted and messages[1].content.startswith(shown)
    assert turn_statuses(tmp_path / DB_FILENAME, session.id) == ["interrupted"]


async def test_a_long_lived_session_recovers_a_turn_that_died_elsewhere_before_its_next_turn(tmp_path):
    store = _store(tmp_path)
    session = Session.open(Settings(model="offline", mode="chat", home=tmp_path), store=store)
    for text in ("one", "two"):
        [event async for event in session.send(text)]
    dead = store.begin_turn(session.id, user("from another terminal"), "chat", "offline")
    store.checkpoint(dead, [user("from another terminal")], "half an answ")
    writer_died(store, dead)
    [event async for event in session.send("three")]
    asked = [m.content for m in store.messages(session.id) if m.role == "user"]
    assert asked == ["one", "two", "from another terminal", "three"]


def test_a_turn_written_after_a_later_one_goes_before_it_and_compactions_move_with_their_messages(tmp_path):
    store = _store(tmp_path)
    record = store.create(mode="chat", model="offline")
    slow = store.begin_turn(record.id, user("slow"), "chat", "offline")
    quick = store.begin_turn(record.id, user("quick"), "chat", "offline")
    store.finish_turn(quick, [user("quick"), Message(role="assistant", content="quick answer")], [], {"status": "done"})
    store.add_compaction(record.id, covers=2, summary="the quick exchange", tokens_before=10, tokens_after=5)
    store.finish_turn(slow, [user("slow"), Message(role="assistant", content="slow answer")], [], {"status": "done"})
    assert [m.content for m in store.messages(record.id)] == ["slow", "slow answer", "quick", "quick answer"]
    assert store.latest_compaction(record.id) == (4, "the quick exchange"), "still covers the same messages"
