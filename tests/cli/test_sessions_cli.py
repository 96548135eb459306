"""`agentsh sessions ...` and resuming with `agentsh run`: everything through the command line."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from agentsh.cli import main
from agentsh.messages import Message, user
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore


@pytest.fixture(autouse=True)
def empty_stdin(monkeypatch):
    """Like `agentsh ... < /dev/null`: not a terminal, nothing to read."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


def agentsh(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run(capsys, home: Path, *args: str) -> str:
    code, out, err = agentsh(capsys, "run", "--home", str(home), "--json", *args)
    assert code == 0, err
    return json.loads(out.splitlines()[0])["session_id"]


def sessions(capsys, home: Path, *args: str) -> tuple[int, str, str]:
    return agentsh(capsys, "sessions", "--home", str(home), *args)


def show(capsys, home: Path, session_id: str) -> dict:
    code, out, err = sessions(capsys, home, "show", session_id, "--json")
    assert code == 0, err
    return json.loads(out)


def store_of(home: Path) -> SessionStore:
    return SessionStore(open_database(home / DB_FILENAME))


def assert_one_clear_line(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def tool_session(capsys, home) -> str:
    """Two turns in mode tools: a calculator call and its result, then a plain answer."""
    session_id = run(capsys, home, "--model", "offline", "--mode", "tools", "use the calculator on 2+3")
    run(capsys, home, "-s", session_id, "thanks, and hello")
    return session_id


# export / import ------------------------------------------------------------


def test_export_then_import_gives_an_equal_session(capsys, home, tmp_path, tool_session):
    original = show(capsys, home, tool_session)
    assert any(m["tool_calls"] for m in original["messages"]), "the fixture has a tool call"
    exported = tmp_path / "session.json"
    code, _, err = sessions(capsys, home, "export", tool_session, "--format", "json", "--output", str(exported))
    assert code == 0, err

    other_home = tmp_path / "other"
    code, out, err = sessions(capsys, other_home, "import", str(exported))
    assert code == 0, err
    assert tool_session in out and "new id" not in out
    assert show(capsys, other_home, tool_session) == original

    code, out, err = sessions(capsys, home, "import", str(exported))
    assert code == 0 and "new id" in out
    copy_id = next(r["id"] for r in json.loads(sessions(capsys, home, "list", "--json")[1]) if r["id"] != tool_session)
    copy = show(capsys, home, copy_id)
    assert copy["messages"] == original["messages"]
    fields = ("title", "mode", "model", "prompt_tokens", "completion_tokens", "cost", "created_at")
    assert {k: copy["session"][k] for k in fields} == {k: original["session"][k] for k in fields}


def test_unknown_cost_survives_the_round_trip(capsys, home, tmp_path):
    store = store_of(home)
    record = store.create(mode="chat", model="openai/some-model", title="costly")
    turn = store.begin_turn(record.id, user("hi"), "chat", record.model)
    store.finish_turn(turn, [user("hi"), Message(role="assistant", content="yo")], [], {"status": "done", "cost": None, "prompt_tokens": 7})
    exported = tmp_path / "s.json"
    assert sessions(capsys, home, "export", record.id, "-f", "json", "-o", str(exported))[0] == 0
    assert sessions(capsys, tmp_path / "other", "import", str(exported))[0] == 0
    imported = show(capsys, tmp_path / "other", record.id)["session"]
    assert imported["cost"] is None and imported["prompt_tokens"] == 7


def test_markdown_export_shows_the_tool_call(capsys, home, tool_session):
    code, out, _ = sessions(capsys, home, "export", tool_session)
    assert code == 0
    assert "use the calculator on 2+3" in out and "calculator" in out and "## Assistant" in out


@pytest.mark.parametrize("content", ["not json", '{"format": "something-else"}', '{"format": "agentsh-session", "version": 1}'])
def test_import_of_a_bad_file_is_one_clear_line(capsys, home, tmp_path, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _, err = sessions(capsys, home, "import", str(bad))
    assert code == 1
    assert_one_clear_line(err)
    assert store_of(home).list() == []


# fork -----------------------------------------------------------------------


def test_fork_at_n_keeps_the_first_n_messages(capsys, home, tool_session):
    messages = show(capsys, home, tool_session)["messages"]
    code, out, err = sessions(capsys, home, "fork", tool_session, "--at", "1")
    assert code == 0, err
    fork_id = out.split()[2]
    fork = show(capsys, home, fork_id)
    assert fork["messages"] == messages[:1]
    assert fork["session"]["parent_id"] == tool_session and fork["session"]["fork_point"] == 1
    assert fork["session"]["mode"] == "tools" and fork["session"]["model"] == "offline"


def test_fork_point_between_a_tool_call_and_its_result_keeps_the_result(capsys, home, tool_session):
    messages = show(capsys, home, tool_session)["messages"]
    call_index = next(i for i, m in enumerate(messages) if m["tool_calls"])
    assert messages[call_index + 1]["role"] == "tool"
    code, out, _ = sessions(capsys, home, "fork", tool_session, "--at", str(call_index + 1))
    assert code == 0
    fork = show(capsys, home, out.split()[2])
    assert fork["messages"] == messages[: call_index + 2]
    assert fork["session"]["fork_point"] == call_index + 2


def test_a_fork_can_be_continued_and_leaves_its_parent_alone(capsys, home, tool_session):
    before = show(capsys, home, tool_session)["messages"]
    fork_id = sessions(capsys, home, "fork", tool_session, "--at", "1")[1].split()[2]
    run(capsys, home, "-s", fork_id, "a different direction")
    assert show(capsys, home, tool_session)["messages"] == before
    assert [m["content"] for m in show(capsys, home, fork_id)["messages"]][:2] == [before[0]["content"], "a different direction"]


def test_fork_is_all_or_nothing(home, monkeypatch):
    """A fork that fails while copying messages leaves no half-made session behind."""
    store = store_of(home)
    record = store.create(mode="chat", model="offline")
    store.add_messages(record.id, [user("a"), Message(role="assistant", content="b")])

    def broken(*args, **kwargs):
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(store, "_insert_messages", broken)
    with pytest.raises(RuntimeError):
        store.fork(record.id)
    assert [r.id for r in store.list()] == [record.id]


# rename / delete ------------------------------------------------------------


def test_rename(capsys, home, tool_session):
    code, out, _ = sessions(capsys, home, "rename", tool_session, "Adding", "numbers")
    assert code == 0 and "Adding numbers" in out
    assert show(capsys, home, tool_session)["session"]["title"] == "Adding numbers"
    code, _, err = sessions(capsys, home, "rename", tool_session, "  ")
    assert code == 2 and "empty" in err


def test_delete_without_a_terminal_refuses_unless_yes(capsys, home, tool_session):
    code, _, err = sessions(capsys, home, "delete", tool_session)
    assert code == 2
    assert_one_clear_line(err, "--yes")
    assert store_of(home).exists(tool_session)

    code, out, _ = sessions(capsys, home, "delete", tool_session, "--yes")
    assert code == 0 and tool_session in out
    store = store_of(home)
    assert not store.exists(tool_session)
    for table in ("messages", "turns", "events"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert sessions(capsys, home, "search", "calculator")[1].strip() == "no matches"


def test_deleting_a_parent_keeps_its_forks(capsys, home, tool_session):
    fork_id = sessions(capsys, home, "fork", tool_session)[1].split()[2]
    assert sessions(capsys, home, "delete", tool_session, "-y")[0] == 0
    fork = show(capsys, home, fork_id)
    assert fork["session"]["parent_id"] is None and fork["messages"]


# search ---------------------------------------------------------------------


@pytest.fixture
def owls(home) -> dict[str, str]:
    store = store_of(home)
    ids = {}
    for name, text in {"once": "an owl sat on the old fence", "twice": "an owl sat by another owl there", "none": "a cat sat on the mat today"}.items():
        record = store.create(session_id=f"search-{name}", mode="chat", model="offline", title=f"about {name}")
        store.add_messages(record.id, [user(text), Message(role="assistant", content="noted")])
        ids[name] = record.id
    return ids


def test_search_ranks_more_occurrences_first_and_highlights(capsys, home, owls):
    code, out, err = sessions(capsys, home, "search", "owl", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert [h["session_id"] for h in hits] == [owls["twice"], owls["once"]]
    assert all("«owl»" in h["snippet"] for h in hits)
    assert hits[0]["title"] == "about twice" and hits[0]["seq"] == 0 and hits[0]["role"] == "user"

    code, out, _ = sessions(capsys, home, "search", "owl")
    lines = out.splitlines()
    assert lines[0].startswith(owls["twice"]) and "«owl»" in lines[0]
    assert lines[1].startswith(owls["once"])


def test_search_stems_and_prefixes(capsys, home, owls):
    hits = json.loads(sessions(capsys, home, "search", "fences", "--json")[1])
    assert [h["session_id"] for h in hits] == [owls["once"]]
    hits = json.loads(sessions(capsys, home, "search", "fen*", "--json")[1])
    assert [h["session_id"] for h in hits] == [owls["once"]]


@pytest.mark.parametrize("query", [
    '"owl', "owl\"", "owl AND", "OR", "NEAR(owl", "content:owl", "owl)", "^owl", "-owl", "owl-sat", "owl's",
    "*", "**owl", "'", "{owl}", "owl;DROP TABLE messages", "owl\\", "ünïcödé", "🦉",
])
def test_punctuation_in_a_query_never_crashes(capsys, home, owls, query):
    code, _out, err = sessions(capsys, home, "search", "--", query)
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert_one_clear_line(err)
    assert store_of(home).db.execute("SELECT count(*) FROM messages").fetchone()[0] == 6


def test_search_finds_a_quoted_phrase_word(capsys, home, owls):
    hits = json.loads(sessions(capsys, home, "search", '"fence"', "--json")[1])
    assert [h["session_id"] for h in hits] == [owls["once"]]


# list / show ----------------------------------------------------------------


def test_list_json_newest_first_with_counts(capsys, home, tool_session):
    second = run(capsys, home, "--model", "offline", "--mode", "chat", "another topic")
    code, out, _ = sessions(capsys, home, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [second, tool_session]
    assert rows[0]["messages"] == 2 and rows[1]["messages"] == len(show(capsys, home, tool_session)["messages"])
    assert rows[0]["mode"] == "chat" and rows[0]["title"] == "another topic"
    assert {"created_at", "updated_at", "prompt_tokens", "completion_tokens", "cost", "model", "parent_id"} <= set(rows[0])
    assert json.loads(sessions(capsys, home, "list", "--json", "-n", "1")[1])[0]["id"] == second


def test_list_and_show_as_text(capsys, home, tool_session):
    code, out, _ = sessions(capsys, home, "list")
    assert code == 0 and tool_session in out and "use the calculator" in out
    code, out, _ = sessions(capsys, home, "show", tool_session[:6])
    assert code == 0 and tool_session in out and "→ calculator(" in out


def test_list_of_an_empty_home(capsys, home):
    code, out, _ = sessions(capsys, home, "list")
    assert code == 0 and "no sessions yet" in out
    assert json.loads(sessions(capsys, home, "list", "--json")[1]) == []


def test_show_json_has_the_session_and_every_message(capsys, home, tool_session):
    data = show(capsys, home, tool_session)
    assert data["session"]["id"] == tool_session
    roles = [m["role"] for m in data["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user", "assistant"]
    assert data["messages"][2]["content"] == "5"


# ids ------------------------------------------------------------------------


@pytest.mark.parametrize("action", [
    ["show"], ["export"], ["fork"], ["rename", "{id}", "x"], ["delete", "{id}", "--yes"],
])
def test_unknown_id_is_one_clear_line_exit_1(capsys, home, tool_session, action):
    args = [a.replace("{id}", "nosuchid") for a in action]
    if "{id}" not in action:
        args.append("nosuchid")
    code, _, err = sessions(capsys, home, *args)
    assert code == 1
    assert_one_clear_line(err, "nosuchid", "sessions list")


def test_run_with_an_unknown_session_is_one_clear_line(capsys, home, tool_session):
    code, out, err = agentsh(capsys, "run", "--home", str(home), "-s", "nosuchid", "hi")
    assert code == 1 and out == ""
    assert_one_clear_line(err, "nosuchid")
    assert len(store_of(home).list()) == 1


def test_ambiguous_prefix_lists_the_candidates(capsys, home):
    store = store_of(home)
    for name, title in (("abc111", "first"), ("abc222", "second"), ("xyz333", "other")):
        store.create(session_id=name, mode="chat", model="offline", title=title)
    code, _, err = sessions(capsys, home, "show", "abc")
    assert code == 1
    assert_one_clear_line(err, "ambiguous", "abc111", "abc222", "first", "second")
    assert "xyz333" not in err
    assert show(capsys, home, "abc1")["session"]["id"] == "abc111"
    code, _, err = agentsh(capsys, "run", "--home", str(home), "-s", "abc", "hi")
    assert code == 1 and "abc111" in err and "abc222" in err


def test_an_exact_id_wins_over_longer_ids_it_prefixes(home):
    store = store_of(home)
    store.create(session_id="abc", mode="chat", model="offline")
    for n in range(7):
        store.create(session_id=f"abc{n}", mode="chat", model="offline")
    assert store.get("abc").id == "abc"


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_id_is_never_a_match(home, blank):
    store = store_of(home)
    store.create(session_id="only", mode="chat", model="offline")
    with pytest.raises(Exception, match="no session"):
        store.get(blank)


# resume ---------------------------------------------------------------------


def test_continue_restores_mode_model_and_history(capsys, home):
    first = run(capsys, home, "--mode", "chat", "--model", "offline", "remember the word heron")
    code, out, err = agentsh(capsys, "run", "--home", str(home), "-c", "--json", "what was the word?")
    assert code == 0, err
    info = json.loads(out.splitlines()[0])
    assert info == {**info, "type": "session", "session_id": first, "mode": "chat", "model": "offline"}
    messages = show(capsys, home, first)["messages"]
    assert [m["content"] for m in messages if m["role"] == "user"] == ["remember the word heron", "what was the word?"]


def test_session_flag_restores_mode_even_when_another_session_is_newer(capsys, home):
    chat = run(capsys, home, "--mode", "chat", "--model", "offline", "one")
    run(capsys, home, "--mode", "tools", "--model", "offline", "two")
    code, out, _ = agentsh(capsys, "run", "--home", str(home), "-s", chat[:5], "--json", "three")
    assert code == 0
    assert json.loads(out.splitlines()[0])["mode"] == "chat"


def test_continue_with_nothing_to_continue(capsys, home):
    code, out, err = agentsh(capsys, "run", "--home", str(home), "-c", "hi")
    assert code == 1 and out == ""
    assert_one_clear_line(err, "continue")


def test_events_of_each_turn_are_stored(home, capsys, tool_session):
    store = store_of(home)
    kinds = [r["type"] for r in store.db.query("SELECT type FROM events WHERE session_id = ? ORDER BY id", [tool_session])]
    assert "tool_call" in kinds and "tool_result" in kinds and "usage" in kinds
    turns = list(store.db.query("SELECT * FROM turns WHERE session_id = ? ORDER BY id", [tool_session]))
    assert [t["status"] for t in turns] == ["done", "done"]
    assert all(t["draft"] is None and t["partial_text"] is None and t["ended_at"] for t in turns)
    session = store.get(tool_session)
    assert session.prompt_tokens == sum(t["prompt_tokens"] for t in turns) > 0


def test_a_default_mode_from_the_environment_does_not_override_a_resumed_session(capsys, home, monkeypatch):
    run(capsys, home, "--mode", "chat", "--model", "offline", "hello")
    monkeypatch.setenv("AGENTSH_MODE", "tools")
    code, out, _ = agentsh(capsys, "run", "--home", str(home), "-c", "--json", "again")
    assert code == 0
    assert json.loads(out.splitlines()[0])["mode"] == "chat"


def test_options_given_before_the_command_count(home, tmp_path):
    """`agentsh --home X sessions list` is `agentsh sessions --home X list`: the command must not reset it."""
    import subprocess
    import sys

    agentsh = [sys.executable, "-m", "agentsh", "--home", str(home)]
    ran = subprocess.run([*agentsh, "run", "--no-stdin", "hello there"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (home / "agentsh.db").exists()
    listed = subprocess.run([*agentsh, "sessions", "list"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "hello there" in listed.stdout


# per-folder sessions ------------------------------------------------------------


def test_continue_takes_the_latest_session_started_in_this_folder_and_any_the_latest_anywhere(capsys, home, tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir(), elsewhere.mkdir()
    monkeypatch.chdir(project)
    here = run(capsys, home, "--model", "offline", "about the project")
    monkeypatch.chdir(elsewhere)
    there = run(capsys, home, "--model", "offline", "about something else")
    monkeypatch.chdir(project / ".")
    assert run(capsys, home, "-c", "--any", "and there?") == there, "-c --any: the newest one wherever it was started"
    assert run(capsys, home, "-c", "and now?") == here, "-c: the latest session started here, not the newest one"
    monkeypatch.chdir(tmp_path)
    code, out, err = agentsh(capsys, "run", "--home", str(home), "-c", "hi")
    assert code == 1 and out == "" and "agentsh -c --any" in err and "Traceback" not in err


def test_sessions_list_shows_each_folder_and_filters_by_it(capsys, home, tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir(), elsewhere.mkdir()
    monkeypatch.chdir(project)
    here = run(capsys, home, "--model", "offline", "about the project")
    monkeypatch.chdir(elsewhere)
    there = run(capsys, home, "--model", "offline", "about something else")
    code, out, _ = sessions(capsys, home, "list")
    assert code == 0 and f"in {project}" in out and f"in {elsewhere}" in out
    code, out, _ = sessions(capsys, home, "list", "--dir", str(project))
    assert here in out and there not in out
    code, out, _ = sessions(capsys, home, "list", "--dir", ".", "--json")
    assert [(r["id"], r["workspace"]) for r in json.loads(out)] == [(there, str(elsewhere.resolve()))]


def test_sessions_list_marks_one_shot_runs_puts_interactive_sessions_first_and_filters_by_origin(capsys, home):
    from agentsh.config import Settings
    from agentsh.session import Session

    chat = Session.open(Settings(home=home, model="offline"))
    chat.store.insert(chat.record)
    chat.store.close()
    ran = run(capsys, home, "--model", "offline", "a one-shot question")
    code, out, _ = sessions(capsys, home, "list")
    rows = [line for line in out.splitlines() if not line.startswith(" ")]
    assert code == 0 and rows[0].startswith(chat.id) and "chat" in rows[0]
    assert rows[1].startswith(ran) and "  run  " in rows[1]
    code, out, _ = sessions(capsys, home, "list", "--origin", "run")
    assert ran in out and chat.id not in out
    code, out, _ = sessions(capsys, home, "list", "--origin", "interactive", "--json")
    assert [row["id"] for row in json.loads(out)] == [chat.id]
    code, out, _ = sessions(capsys, home, "list", "--origin", "chat")  # as the listing marks them
    assert code == 0 and chat.id in out and ran not in out


def test_agentsh_tools_lists_every_tool_the_model_sees_memory_tools_too(capsys, home):
    from agentsh.config import Settings
    from agentsh.session import Session

    code, out, _ = agentsh(capsys, "--home", str(home), "tools", "--json")
    listed = {schema["function"]["name"] for schema in json.loads(out)}
    seen = Session.open(Settings(home=home, model="offline"))
    assert code == 0 and listed == {t.name for t in seen.tools()} and {"remember", "recall"} <= listed
