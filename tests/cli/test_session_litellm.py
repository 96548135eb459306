"""`agentsh run` end to end on the real litellm path, against the fake server.

Each test runs `python -m agentsh run --model openai/fake-model` as a subprocess, as
a user would, with the OpenAI variables pointing at a scripted server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import groupby

import pytest

from fakeserver import Reply

MODEL = "openai/fake-model"
CALCULATE = Reply(tool_calls=[{"name": "calculator", "arguments": {"expression": "17+25"}}])
ANSWER = Reply(text="The answer is 42.")


@pytest.fixture
def agentsh(fake_server, home):
    """Run `agentsh run ARGS...` against the fake server; returns the CompletedProcess."""

    def run(*args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        env.update(OPENAI_BASE_URL=fake_server.base_url, OPENAI_API_KEY="sk-test", LITELLM_LOCAL_MODEL_COST_MAP="True")
        command = [sys.executable, "-m", "agentsh", "run", "--model", MODEL, "--home", str(home), *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30)

    return run


def event_types(lines: list[dict]) -> list[str]:
    """The order of events, with usage left out and each run of text deltas shown once."""
    return [kind for kind, _ in groupby(line["type"] for line in lines if line["type"] != "usage")]


def test_json_run_calls_the_tool_and_answers(agentsh, fake_server):
    fake_server.enqueue(CALCULATE, ANSWER)
    result = agentsh("--json", "What is 17+25?")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert event_types(lines) == ["session", "tool_call", "tool_result", "text", "done"]

    call = next(line for line in lines if line["type"] == "tool_call")
    assert (call["name"], call["arguments"]) == ("calculator", {"expression": "17+25"})
    outcome = next(line for line in lines if line["type"] == "tool_result")
    assert outcome["ok"] is True and outcome["output"] == "42" and outcome["id"] == call["id"]
    done = lines[-1]
    assert "42" in done["output"] and done["failed"] is False and done["model_calls"] == 2

    assert fake_server.hits == 2
    second = fake_server.requests[1]["body"]["messages"]
    tool_messages = [m for m in second if m["role"] == "tool"]
    assert len(tool_messages) == 1
    assert tool_messages[0]["tool_call_id"] == call["id"] and "42" in tool_messages[0]["content"]
    assert "Traceback" not in result.stderr


def test_text_run_prints_the_answer_on_stdout(agentsh, fake_server):
    fake_server.enqueue(ANSWER)
    result = agentsh("Say the answer.")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The answer is 42."
    assert "Traceback" not in result.stderr


def test_rejected_key_is_one_clear_line(agentsh, fake_server):
    fake_server.enqueue(Reply(status=401), ANSWER)
    result = agentsh("Say the answer.")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "OPENAI_API_KEY" in lines[0]
    assert result.stdout == ""
    assert fake_server.hits == 1
