"""`agentsh compare`: one request under several modes and models at once, as sibling forks, with a table and a judge."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pytest

from agentsh import compare as compare_module
from agentsh.cli import main
from agentsh.compare import Comparison, Entry, comparison_text
from agentsh.models.warmup import Warmup, load_litellm
from agentsh.store.db import DB_FILENAME, open_database
from agentsh.store.sessions import SessionStore

from fakeserver import Reply

JUDGE_MARK = "You compare answers"


@pytest.fixture(autouse=True)
def empty_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


def compare(capsys, home, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["compare", "--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_each_combination_runs_in_a_sibling_fork_that_can_be_continued(home, capsys):
    code, out, err = compare(capsys, home, "what is 2+2", "--modes", "chat,reflect,debate", "--model", "offline", "--json")
    assert code == 0, err
    document = json.loads(out)
    entries = document["entries"]
    assert [e["mode"] for e in entries] == ["chat", "reflect", "debate"]
    assert entries[0]["model_calls"] == 1 and all(e["model_calls"] >= 1 for e in entries)
    assert entries[1]["model_calls"] > 1 and entries[2]["steps"] > 0  # a critique, the debate's rounds
    assert all(e["output"] and e["wall_ms"] > 0 and not e["failed"] for e in entries)
    store = SessionStore(open_database(home / DB_FILENAME))
    forks = [store.get(e["session_id"]) for e in entries]
    assert {f.parent_id for f in forks} == {document["base_session"]}
    assert [f.mode for f in forks] == ["chat", "reflect", "debate"]
    code, out, err = agentsh_run(capsys, home, "-s", entries[1]["session_id"], "and 3+3?")
    assert code == 0, err
    assert [m.role for m in store.messages(entries[1]["session_id"]) if m.role == "user"] == ["user", "user"]


def agentsh_run(capsys, home, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["run", "--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_shows_each_combination_with_its_figures_and_never_reads_markup(home, capsys):
    code, out, err = compare(capsys, home, "say [bold]hi[/bold] \x1b[31mred", "--modes", "chat,tools", "--model", "offline")
    assert code == 0, err
    assert "compare: say [bold]hi[/bold] ␛[31mred" in out and "\x1b" not in out
    assert "chat · offline" in out and "tools · offline" in out
    for heading in ("steps", "calls", "tokens", "cost", "wall"):
        assert heading in out


def test_an_unknown_mode_or_one_combination_is_refused_in_one_line(home, capsys):
    code, _, err = compare(capsys, home, "hi", "--modes", "chat,nosuch", "--model", "offline")
    assert code != 0 and "nosuch" in err and len(err.strip().splitlines()) == 1
    code, _, err = compare(capsys, home, "hi", "--modes", "chat", "--model", "offline")
    assert code != 0 and "two combinations or more" in err


def test_compare_end_to_end_on_the_fake_server_with_a_judge(fake_server, home):
    def route(body: dict) -> Reply:
        text = json.dumps(body["messages"])
        if JUDGE_MARK in text:
            ranking = [{"answer": 2, "rank": 1, "reason": "shows its work"}, {"answer": 1, "rank": 2, "reason": "[red]terse"}]
            return Reply(text=json.dumps({"ranking": ranking}))
        return Reply(text="It is 4." if "tools" not in text else "4, because 2+2=4.")

    fake_server.route = route
    env = dict(os.environ, OPENAI_BASE_URL=fake_server.base_url, OPENAI_API_KEY="sk-test", LITELLM_LOCAL_MODEL_COST_MAP="True")
    command = [sys.executable, "-m", "agentsh", "compare", "what is 2+2", "--modes", "chat,tools", "--model", "openai/fake-model",
               "--home", str(home), "--judge", "critic"]
    shown = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "1. tools · openai/fake-model: shows its work" in shown.stdout
    assert "2. chat · openai/fake-model: [red]terse" in shown.stdout
    assert "the judge's own spend, not in the table: 1 model call · " in shown.stdout
    as_json = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    entries = json.loads(as_json.stdout)["entries"]
    assert [(e["mode"], e["rank"]) for e in entries] == [("tools", 1), ("chat", 2)]
    assert entries[0]["output"] and entries[0]["model_calls"] == 1
    judge = json.loads(as_json.stdout)["judge_usage"]
    assert judge["model_calls"] == 1 and judge["prompt_tokens"] > 0


@pytest.mark.parametrize("width", [40, 50, 64, 80, 120])
def test_the_table_fits_the_width_with_every_figure_and_each_session_id_whole(width):
    entries = [
        Entry("reflect", "openai/fake-model", "0123456789ab", output="four " * 30, steps=2, model_calls=7,
              prompt_tokens=1200, completion_tokens=34, cost=0.0123, wall_ms=1234.0, rank=1, reason="right"),
        Entry("debate", "offline", "ba9876543210", output="4", steps=1, model_calls=1, cost=None, wall_ms=13.0, rank=2, reason="terse"),
    ]
    text = comparison_text(Comparison("what is 2+2", "base", entries, 1300.0, "moderator"), width)

    lines = text.splitlines()
    table = lines[:next(n for n, line in enumerate(lines) if line.startswith("└")) + 1]  # the notes below wrap as any text
    assert max(len(line) for line in table) <= width
    assert all(line.rstrip()[-1] in "┓┃┩│┤┘" for line in table[1:])  # the right edge drawn: no column cut off
    for figure in ("0123456789ab", "ba9876543210", "$0.0123", "1.2 s", "13 ms", "1,234"):
        assert any(figure in line for line in lines), (figure, text)
    assert "unknown" in text
    assert max(len(line) for line in lines) <= width and "/resume SESSION" in " ".join(text.split())  # the notes wrapped between words
    assert not any(line.startswith(("ESSION", "SSION", "ume")) for line in lines)
    assert width < 50 or any("openai/fake-model" in line for line in table)  # a model's name whole while the answer keeps room


def test_a_narrow_terminal_gets_the_figures_stacked_not_cut(home, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    code, out, err = compare(capsys, home, "what is 2+2", "--modes", "chat,reflect,debate", "--model", "offline")

    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 50
    assert out.count("$0.0000") == 3 and out.count(" ms") >= 3 and "1 call" in out and "74 tokens" in out


def test_each_wall_time_is_its_run_not_the_model_clients_import(fake_server, home, capsys, monkeypatch):
    loaded = []

    class SlowImport(Warmup):  # litellm's import in a fresh process: seconds before the first call can go out
        def __init__(self) -> None:
            super().__init__(load=lambda: (time.sleep(1.0), load_litellm(), loaded.append(True)))

    monkeypatch.setattr(compare_module, "Warmup", SlowImport, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.default_reply = Reply(text="It is 4.")
    code, out, err = compare(capsys, home, "what is 2+2", "--modes", "chat,tools", "--model", "openai/fake-model,offline", "--json")

    assert code == 0, err
    assert loaded == [True]  # once, before the runs: a fallback list's litellm model counts
    assert all(entry["wall_ms"] < 1000 for entry in json.loads(out)["entries"])


def test_a_judge_that_never_gives_a_ranking_says_why_once_and_that_the_table_is_unranked(fake_server, home, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.default_reply = Reply(text="The answer is 4.")  # prose, to the judge too
    code, out, err = compare(capsys, home, "what is 2+2", "--modes", "chat,tools", "--model", "openai/fake-model", "--judge", "moderator")

    assert code == 0, err
    notes = " ".join(out[out.index("judge:"):].split())
    assert notes.startswith("judge: moderator gave an invalid Ranking (the reply contains no JSON object); the answers are left unranked the judge's own spend")
