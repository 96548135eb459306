"""`agentsh run --mode M` for every mode exits 0 against each server profile, through the real litellm path.

The fake server plays a real one (tests/fakeserver.py `PROFILES`): "llama-cpp-python" refuses a
json_schema response_format with an HTTP 500 and ignores tools sent without `tool_choice`;
"schema-prose" follows a schema but writes prose in every free-text field. Its "model" answers a
structured request with a valid instance of the schema it was given (in response_format or in the
prompt), calls the calculator when it is offered, and otherwise answers in text.

Each run records which structured-output level its decisions used; `pytest -s` prints them as a table.
Three extra runs switch on the structured variants of modes whose defaults make no decision
(a debate judged by vote, parallel branches chosen by vote, a pipeline stage behind a critic gate).
"""

from __future__ import annotations

import json

import pytest

from agentsh.cli import main as cli_main
from agentsh.modes import mode_names

from fakeserver import PROFILES, Reply
from helpers import following_schemas, requested_level

MODEL = "openai/fake-model"
PROFILE_NAMES = ("llama-cpp-python", "schema-prose", "llama-server", "stop-string")  # "openai", the default: tests/modes/test_all_modes_litellm.py
ANSWER = Reply(text="Final Answer: the answer is 42")
CALCULATE = Reply(tool_calls=[{"name": "calculator", "arguments": {"expression": "6*7"}}])
VARIANTS = {  # name shown: (mode, [modes.NAME] table in TOML)
    "debate (vote)": ("debate", 'judge = "vote"\nrounds = 1'),
    "parallel (vote)": ("parallel", 'aggregate = "vote"'),
    "pipeline (critic)": ("pipeline", 'stages = [{agent = "researcher", prompt = "{input}", gate = {type = "critic"}},'
                                      ' {agent = "writer", prompt = "{input}"}]'),
}
RUNS = [(name, name, "") for name in mode_names()] + [(name, mode, table) for name, (mode, table) in VARIANTS.items()]
STRUCTURED = {"router", "planner", "reflect", "consensus", *VARIANTS}  # the runs that make a structured decision
EXPECTED_LEVELS = {
    "llama-cpp-python": ["json_schema", "json_object"], "schema-prose": ["json_schema"], "llama-server": ["json_schema"],
    "stop-string": ["json_schema"],
}


def model_route(body: dict) -> Reply | None:
    """Structured requests get a valid instance of their schema; a first request offering the calculator calls it."""
    structured = following_schemas()(body)
    if structured is not None:
        return structured
    offered = {t["function"]["name"] for t in body.get("tools") or []}
    last = (body.get("messages") or [{}])[-1]
    return CALCULATE if "calculator" in offered and last.get("role") == "user" else None


@pytest.fixture
def server(fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTSH_CONFIG", str(tmp_path / "config.toml"))
    fake_server.default_reply = ANSWER
    return fake_server


def run(tmp_path, capsysbinary, mode: str, table: str) -> tuple[int, list[dict], str]:
    if table:
        (tmp_path / "config.toml").write_text(f"[modes.{mode}]\n{table}\n")
    capsysbinary.readouterr()
    status = cli_main(["run", "--no-stdin", "--json", "--home", str(tmp_path / "home"), "--model", MODEL, "--mode", mode,
                       "what is 6*7?"])
    out, err = capsysbinary.readouterr()
    return status, [json.loads(line) for line in out.decode().splitlines()], err.decode()


@pytest.mark.parametrize("profile", PROFILE_NAMES)
@pytest.mark.parametrize(("name", "mode", "table"), RUNS, ids=[r[0] for r in RUNS])
def test_every_mode_exits_0_on_every_profile(profile, name, mode, table, server, tmp_path, capsysbinary):
    server.profile = PROFILES[profile]
    server.route = model_route

    status, events, err = run(tmp_path, capsysbinary, mode, table)

    assert status == 0, err
    done = events[-1]
    assert done["type"] == "done" and not done["failed"] and "42" in done["output"]
    levels = list(dict.fromkeys(level for r in server.requests if (level := requested_level(r["body"])) is not None))
    notices = [e["message"] for e in events if e["type"] == "notice"]
    fallbacks = [m for m in notices if "fallback" in m]
    invalid = [m for m in notices if "invalid" in m]
    tools = sum(e["type"] == "tool_result" and e["name"] == "calculator" and e["ok"] for e in events)
    print(f"\n| {profile} | {name} | {' → '.join(levels) or '(no structured call)'} | fallbacks: {len(fallbacks)} | calculator: {tools} |")
    assert fallbacks == [], "every decision was valid"
    # stop-string: the first request, whatever it is, gets an empty reply: asked again, never a fallback
    assert invalid == [] or profile == "stop-string", "every decision was valid at the first answer"
    assert levels == (EXPECTED_LEVELS[profile] if name in STRUCTURED else [])
    if mode == "tools":
        assert tools == 1, "the tools were used (tool_choice sent)"
