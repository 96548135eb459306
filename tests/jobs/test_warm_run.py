"""The warm path of `agentsh run`: with a compatible service running, the turn runs there and prints exactly
what the same turn prints in process; anything incompatible runs in process, silently."""

from __future__ import annotations

import pytest

from fakeserver import Reply
from jobs_harness import Shell, json_lines

VOLATILE = {"session_id", "id", "duration_ms", "cost", "title"}


@pytest.fixture
def shell(fake_server, home, tmp_path):
    shell = Shell(home, fake_server.base_url, tmp_path)
    yield shell
    shell.stop()


def comparable(lines: list[dict]) -> list[dict]:
    return [{key: value for key, value in line.items() if key not in VOLATILE} for line in lines]


def test_a_warm_run_prints_what_an_in_process_run_prints_and_stores_the_turn(shell, fake_server):
    fake_server.default_reply = Reply(text="hello from the model")
    in_process = shell.agentsh("run", "--json", "hi", env={"AGENTSH_NO_SERVICE": "1"})
    shell.serve()
    warm = shell.agentsh("run", "--json", "hi")
    assert (warm.returncode, warm.stderr) == (in_process.returncode, in_process.stderr) == (0, "")
    assert comparable(json_lines(warm.stdout)) == comparable(json_lines(in_process.stdout))

    tasks = shell.tasks()
    assert [(t["origin"], t["status"], t["answer"]) for t in tasks] == [("run", "completed", "hello from the model")]
    session_id = json_lines(warm.stdout)[0]["session_id"]
    assert session_id == tasks[0]["session_id"]
    assert session_id in shell.agentsh("sessions", "list").stdout


def test_a_warm_text_run_prints_the_answer_alone(shell, fake_server):
    fake_server.default_reply = Reply(text="just the answer")
    shell.serve()
    warm = shell.agentsh("run", "hi")
    assert (warm.returncode, warm.stdout, warm.stderr) == (0, "just the answer\n", ""), warm.stderr
    assert len(shell.tasks()) == 1


def test_another_api_key_runs_in_process(shell, fake_server):
    fake_server.default_reply = Reply(text="answered")
    shell.serve()
    other = shell.agentsh("run", "hi", env={"OPENAI_API_KEY": "sk-another"})
    assert (other.returncode, other.stdout) == (0, "answered\n")
    assert shell.tasks() == []  # the service ran nothing: the turn ran in that process


@pytest.mark.parametrize("flag", [["--max-steps", "3"], ["--plugins", "."]])
def test_a_flag_the_service_cannot_honour_runs_in_process(shell, fake_server, flag):
    fake_server.default_reply = Reply(text="answered")
    shell.serve()
    run = shell.agentsh("run", *flag, "hi")
    assert (run.returncode, run.stdout) == (0, "answered\n"), run.stderr
    assert shell.tasks() == []


def test_no_service_environment_variable_runs_in_process(shell, fake_server):
    fake_server.default_reply = Reply(text="answered")
    shell.serve()
    assert shell.agentsh("run", "hi", env={"AGENTSH_NO_SERVICE": "1"}).stdout == "answered\n"
    assert shell.tasks() == []


def test_a_tool_needing_approval_is_denied_with_runs_notice_when_there_is_no_terminal(shell, fake_server):
    write = Reply(tool_calls=[{"name": "write_file", "arguments": {"path": "note.txt", "content": "x"}}])
    done = Reply(text="could not write it")
    fake_server.enqueue(write, done)
    in_process = shell.agentsh("run", "--mode", "tools", "write a note", env={"AGENTSH_NO_SERVICE": "1"})
    shell.serve()
    fake_server.enqueue(write, done)
    warm = shell.agentsh("run", "--mode", "tools", "write a note")

    notice = "agentsh: write_file needs approval: re-run with --yes to allow it"
    assert notice in in_process.stderr
    assert (warm.returncode, warm.stdout, warm.stderr) == (in_process.returncode, in_process.stdout, in_process.stderr)
    assert [t["status"] for t in shell.tasks()] == ["completed"]
    assert not (shell.cwd / "note.txt").exists()
