"""`agentsh memory ...` as a user runs it, and the /memory and /compact slash commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentsh.commands import run_slash_command
from agentsh.models.scripted import Reply, ScriptedModel

from helpers import scripted_session, send


@pytest.fixture
def memory(home):
    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "agentsh", "memory", "--home", str(home), *args]
        return subprocess.run(command, capture_output=True, text=True, input=stdin, timeout=30)

    return run


def test_add_list_search_pin_forget(memory):
    assert memory("add", "my favourite colour is teal", "--tag", "Colours").stdout.strip() == "remembered as memory 1"
    assert memory("add", "My favourite colour is teal.").stdout.startswith("already known as memory 1")
    memory("add", "I live in Porto", "--kind", "person")
    assert "1  fact" in memory("search", "favourite", "colour").stdout
    assert memory("pin", "2").returncode == 0
    listed = json.loads(memory("list", "--json").stdout)
    assert [(m["id"], m["pinned"], m["tags"]) for m in listed] == [(2, True, []), (1, False, ["colours"])]
    assert memory("forget", "1").stdout.startswith("forgot memory 1")
    assert [m["id"] for m in json.loads(memory("list", "--json").stdout)] == [2]


def test_export_then_import_into_another_home(memory, tmp_path):
    memory("add", "my favourite colour is teal", "--pin")
    exported = memory("export").stdout
    other = [sys.executable, "-m", "agentsh", "memory", "--home", str(tmp_path / "other")]
    first = subprocess.run([*other, "import", "-"], input=exported, capture_output=True, text=True, timeout=30)
    again = subprocess.run([*other, "import", "-"], input=exported, capture_output=True, text=True, timeout=30)
    assert first.stdout.strip() == "imported 1 memories (0 already known)"
    assert again.stdout.strip() == "imported 0 memories (1 already known)"


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (("forget", "99"), None, "no memory with id 99"),
        (("forget", "abc"), None, "a memory id is a number"),
        (("add", "  "), None, "a memory needs some text"),
        (("add", "x", "--kind", "gossip"), None, "unknown memory kind 'gossip'"),
        (("add", "x", "--importance", "9"), None, "importance goes from 1"),
        (("import", "-"), "not json", "not a memory export"),
        (("import", "-"), '[{"txt": 1}]', "expected a list of memories"),
        (("import", "/nonexistent/file.json"), None, "cannot read /nonexistent/file.json"),
    ],
)
def test_mistakes_get_one_clear_line_and_change_nothing(memory, args, stdin, message):
    memory("add", "keep me")
    result = memory(*args, stdin=stdin)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert [m["text"] for m in json.loads(memory("list", "--json").stdout)] == ["keep me"]


async def test_memory_slash_command(home):
    session = scripted_session(home, ScriptedModel(Reply("ok")))
    assert run_slash_command(session, "/memory add I take my tea without sugar").text == "remembered as memory 1"
    assert "without sugar" in run_slash_command(session, "/memory search tea").text
    assert run_slash_command(session, "/memory pin 1").text == "pinned memory 1"
    assert run_slash_command(session, "/memory forget 7").error
    assert run_slash_command(session, "/memory shout").error
    assert run_slash_command(session, "/memory forget 1").text == "forgot memory 1"
    assert run_slash_command(session, "/memory").text == "no memories"


async def test_compact_slash_command_is_an_action_the_ui_runs(home):
    session = scripted_session(home, ScriptedModel(Reply("one"), Reply("two"), Reply("SUMMARY")))
    assert run_slash_command(session, "/compact").action == "compact"
    assert await session.compact() is None  # nothing stored yet
    await send(session, "first")
    await send(session, "second")
    compaction = await session.compact()
    assert compaction.summary == "SUMMARY" and compaction.messages == 2
    assert session.store.get(session.id).prompt_tokens == 30  # the summary's tokens count for the session


async def test_export_slash_command_writes_a_file(home, tmp_path):
    session = scripted_session(home, ScriptedModel(Reply("hello back")))
    assert run_slash_command(session, "/export").error  # nothing yet
    await send(session, "hello")
    target = tmp_path / "out.json"
    result = run_slash_command(session, f"/export json {target}")
    assert result.argument == str(target)
    assert json.loads(target.read_text())["messages"][1]["content"] == "hello back"


@pytest.mark.parametrize(
    "export",
    [
        '[{"text": "a"}, {"text": "b", "importance": "high"}]',
        '[{"text": "a"}, {"text": "b", "importance": 9}]',
        '[{"text": "a"}, {"text": "b", "kind": "gossip"}]',
        '[{"text": "a"}, {"text": "b", "pinned": "maybe"}]',
    ],
)
def test_a_bad_memory_in_an_import_means_nothing_is_imported(memory, export):
    result = memory("import", "-", stdin=export)
    assert result.returncode != 0 and "memory 2" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(memory("list", "--json").stdout) == []


def test_forget_several_is_all_or_nothing(memory):
    memory("add", "keep me")
    assert memory("forget", "1", "999").returncode != 0
    assert len(json.loads(memory("list", "--json").stdout)) == 1
