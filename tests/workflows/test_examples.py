"""The three shipped workflows end to end through `agentsh run`: on the offline model (a subprocess, as a
user runs it) and on the local fake server (through the real litellm path)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agentsh.cli import main as cli_main

from fakeserver import Reply
from helpers import following_schemas

EXAMPLES = {
    "research-report": ("the history of the transistor", ["search", "synthesize", "draft", "review"]),
    "feedback-analysis": ("The app deleted my notes twice this week.", ["analyze", "escalate"]),
    "trip-booking": ("Lisbon", ["flight", "hotel", "car", "itinerary"]),
}


def run_offline(home, tmp_path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "agentsh", "run", "--json", "--no-stdin", "--home", str(home), "--model", "offline", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60)


def done_nodes(events: list[dict]) -> list[str]:
    return [e["title"] for e in events if e["type"] == "step" and e["kind"] == "node" and e["status"] == "done"]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_runs_on_the_offline_model(home, tmp_path, name):
    request, expected = EXAMPLES[name]

    result = run_offline(home, tmp_path, "--mode", f"workflow:{name}", request)

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(done_nodes(events)) == sorted(expected)
    assert events[-1]["type"] == "done" and not events[-1]["failed"]


def test_the_trip_saga_books_then_undoes_everything_when_the_car_cannot_be_booked(home, tmp_path):
    result = run_offline(home, tmp_path, "--mode", "workflow:trip-booking", "Venice")

    assert result.returncode == 1
    events = [json.loads(line) for line in result.stdout.splitlines()]
    booked = {e["name"]: json.loads(e["output"])["booking_id"] for e in events if e["type"] == "tool_result" and e["name"].startswith("book_") and e["ok"]}
    undone = [(e["name"], e["output"]) for e in events if e["type"] == "tool_result" and e["name"].startswith("cancel_")]
    assert undone == [("cancel_hotel", f"cancelled {booked['book_hotel']}"), ("cancel_flight", f"cancelled {booked['book_flight']}")]
    assert "failed at node car" in events[-2]["message"] and "no cars available in Venice" in events[-2]["message"]


@pytest.fixture
def server(fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTSH_CONFIG", str(tmp_path / "config.toml"))
    fake_server.default_reply = Reply(text="A plain answer.")
    fake_server.route = following_schemas("0.9")
    return fake_server


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_runs_on_the_fake_server(server, tmp_path, capsysbinary, name):
    request, expected = EXAMPLES[name]
    capsysbinary.readouterr()

    status = cli_main(["run", "--no-stdin", "--json", "--home", str(tmp_path / "home"), "--model", "openai/fake-model",
                       "--mode", f"workflow:{name}", request])

    out, err = capsysbinary.readouterr()
    assert status == 0, err.decode()
    events = [json.loads(line) for line in out.decode().splitlines()]
    assert set(expected) <= set(done_nodes(events))
    assert server.requests, "the model calls went to the server"
