"""`agentsh run --background` and `agentsh jobs list|status|attach|cancel`, end to end through a real `agentsh serve`."""

from __future__ import annotations

import json

import pytest

from fakeserver import Reply
from jobs_harness import Shell, alive, wait_until


@pytest.fixture
def shell(fake_server, home, tmp_path):
    shell = Shell(home, fake_server.base_url, tmp_path)
    yield shell
    shell.stop()


def test_a_background_turn_is_listed_followed_and_its_answer_shown(shell, fake_server):
    fake_server.default_reply = Reply(text="the answer is 42")
    shell.serve()
    started = shell.agentsh("run", "--background", "what is six times seven?")
    assert started.returncode == 0, started.stderr
    task_id = started.stdout.strip()
    assert f"agentsh jobs attach {task_id}" in started.stderr

    listed = shell.agentsh("jobs", "list")
    assert task_id in listed.stdout and "what is six times seven?" in listed.stdout
    assert shell.wait_for_status(task_id, "completed")["answer"] == "the answer is 42"
    status = shell.agentsh("jobs", "status", task_id)
    assert "completed" in status.stdout and "the answer is 42" in status.stdout

    attached = shell.agentsh("jobs", "attach", task_id)
    assert (attached.returncode, attached.stdout) == (0, "the answer is 42\n")


def test_cancelling_a_slow_task_stops_it(shell, fake_server):
    fake_server.default_reply = Reply(text="too late", delay=60)
    shell.serve()
    task_id = shell.agentsh("run", "--background", "take your time").stdout.strip()
    shell.wait_for_status(task_id, "running")

    cancelled = shell.agentsh("jobs", "cancel", task_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert shell.wait_for_status(task_id, "cancelled")["answer"] in (None, "")
    again = shell.agentsh("jobs", "cancel", task_id)
    assert again.returncode == 1 and "already finished" in again.stderr


def test_an_unknown_task_is_one_line(shell):
    shell.serve()
    for action in ("status", "cancel", "attach"):
        shown = shell.agentsh("jobs", action, "no-such-task")
        assert shown.returncode == 1
        assert shown.stderr.strip().count("\n") == 0 and "no task 'no-such-task'" in shown.stderr, shown.stderr


def test_without_a_service_jobs_list_says_how_to_start_one(shell):
    listed = shell.agentsh("jobs", "list")
    assert listed.returncode == 0
    assert "no service is running (start one with agentsh serve, or agentsh run --background)" in listed.stdout


def test_a_task_prompt_cannot_draw_on_the_terminal(shell, fake_server):
    fake_server.default_reply = Reply(text="ok")
    shell.serve()
    shell.agentsh("run", "--background", "evil \x1b]0;owned\x07 [bold]x[/bold]\nsecond line")
    listed = shell.agentsh("jobs", "list", env={"COLUMNS": "200"})
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout
    _header, row = listed.stdout.splitlines()  # the prompt's newline does not start a row of its own
    assert "[bold]x[/bold]" in row and row.endswith("second line")
    narrow = shell.agentsh("jobs", "list", env={"COLUMNS": "50"}).stdout.splitlines()
    assert max(len(line) for line in narrow) < 50 and narrow[1].endswith("…")


def test_the_service_starts_on_demand_and_stops_when_idle(shell, fake_server, home):
    fake_server.default_reply = Reply(text="started for you")
    config = home.parent / "config.toml"
    config.write_text("[service]\nidle_timeout = 3\n")
    env = {"AGENTSH_CONFIG": str(config)}
    shell.env.update(env)
    started = shell.agentsh("run", "--background", "hi")
    assert started.returncode == 0, started.stderr
    info = shell.info()
    assert info is not None and alive(info["pid"])
    assert shell.wait_for_status(started.stdout.strip(), "completed")["answer"] == "started for you"

    wait_until(lambda: not alive(info["pid"]), 30)
    assert shell.info() is None


def test_two_racing_background_runs_start_one_service(shell, fake_server):
    import subprocess
    import sys

    fake_server.default_reply = Reply(text="ok")
    command = [sys.executable, "-m", "agentsh", "run", "--background", "hi"]
    racers = [subprocess.Popen(command, env=shell.env, cwd=shell.cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [racer.communicate(timeout=90) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), results
    tasks = shell.tasks()
    assert sorted(t["id"] for t in tasks) == sorted(out.strip() for out, _ in results)  # both in the one service's table
    log = (shell.home / "service" / "service.log").read_text()
    assert json.loads((shell.home / "service" / "service.json").read_text())["pid"]
    assert log.count("http://127.0.0.1") <= 1, log
