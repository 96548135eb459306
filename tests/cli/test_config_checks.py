"""Every `[modes.*]` and `[agents.*]` table is checked at start: one line with a suggestion, status 1, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CASES = [
    ('[modes.debait]\nrounds = 1\n', "unknown key modes.debait (did you mean modes.debate?)"),
    ('[modes.debate]\nroundz = 1\n', "unknown key modes.debate.roundz (did you mean modes.debate.rounds?)"),
    ('[modes.debate]\nrounds = "two"\n', "modes.debate.rounds must be a whole number, not \"two\""),
    ('[modes.debate]\ndebaters = ["reseacher", "writer"]\n', "modes.debate.debaters[0]: unknown agent 'reseacher' (did you mean 'researcher'?)"),
    ('[modes.supervisor]\nworkers = ["codr"]\n', "modes.supervisor.workers[0]: unknown agent 'codr' (did you mean 'coder'?)"),
    ('[[modes.pipeline.stages]]\nagent = "writer"\nprompt = "Write about {goal}"\n',
     "modes.pipeline.stages[0].prompt: unknown placeholder {goal} (the placeholders are {input} and {request}"),
    ('[[modes.pipeline.stages]]\nagent = "writer"\nprompt = "Write about {inptu}"\n', "unknown placeholder {inptu} (did you mean {input}?"),
    ('[[modes.pipeline.stages]]\nagent = "writr"\nprompt = "{input}"\n', "modes.pipeline.stages[0].agent: unknown agent 'writr' (did you mean 'writer'?)"),
    ('[agents.panel]\nmode = "debait"\n', "agents.panel.mode: unknown mode 'debait' (did you mean 'debate'?)"),
    ('[agents.panel]\nmode = "debate"\nroundz = 1\n', "unknown key agents.panel.roundz (did you mean agents.panel.rounds?)"),
    ('[agents.panel]\nmode = "debate"\ndebaters = ["writer", "critc"]\n', "agents.panel.debaters[1]: unknown agent 'critc' (did you mean 'critic'?)"),
    ('[agents.panel]\nmode = "reflect"\nmax_rounds = 0\n', "agents.panel.max_rounds must be at least 1, not 0"),
    ('[agents.helper]\nsystem_prompt = "Help."\nrounds = 2\n', "unknown key agents.helper.rounds"),
    ('[agents.helper]\nsystem_prompt = "Help."\ntemprature = 0.2\n', "unknown key agents.helper.temprature (did you mean agents.helper.temperature?)"),
]


@pytest.mark.parametrize(("config", "message"), CASES)
@pytest.mark.parametrize("command", [["run", "hi"], ["--plain"]])
def test_a_config_mistake_is_one_line_with_a_suggestion(tmp_path, config, message, command):
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = {**os.environ, "AGENTSH_CONFIG": str(path)}
    result = subprocess.run([sys.executable, "-m", "agentsh", *command, "--model", "offline", "--home", str(tmp_path)],
                            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(f"agentsh: {path}: ")
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_mode_profile_may_leave_out_the_system_prompt(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[agents.panel]\nmode = "debate"\ndebaters = ["writer", "critic"]\nrounds = 1\n')
    env = {**os.environ, "AGENTSH_CONFIG": str(path)}
    result = subprocess.run([sys.executable, "-m", "agentsh", "run", "--model", "offline", "--home", str(tmp_path), "hi"],
                            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def run(tmp_path, *arguments: str, config: str = "") -> subprocess.CompletedProcess:
    path = tmp_path / "config.toml"
    path.write_text(config)
    env = {**os.environ, "AGENTSH_CONFIG": str(path)}
    return subprocess.run([sys.executable, "-m", "agentsh", "run", "--model", "offline", "--home", str(tmp_path), *arguments],
                          capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)


def test_max_tokens_stops_a_debate_and_keeps_its_last_round(tmp_path):
    result = run(tmp_path, "--mode", "debate", "--max-tokens", "300", "--json", "hello", config="[budget]\nmax_cost = 5.0\n")

    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    done = events[-1]
    assert done["type"] == "done" and done["budget_limited"]
    assert done["output"].startswith("(The debate stopped after round 1")
    assert any(e["type"] == "notice" and "Raise the limit with --max-tokens" in e["message"] for e in events)


def test_a_bad_budget_flag_names_the_flag(tmp_path):
    result = run(tmp_path, "--max-cost", "0", "hello")

    assert result.returncode == 2
    assert result.stderr == "agentsh: --max-cost must be more than 0, not 0.0\n"


@pytest.mark.parametrize(("config", "message"), [
    ('[agents.panel]\nmode = "debate"\n[modes.reflect]\ncritic = "panel"\n',
     "modes.reflect.critic: 'panel' is a debate mode profile; this agent gives a structured decision in one call"),
    ('[agents.panel]\nmode = "debate"\n[modes.parallel]\naggregate = "vote"\naggregator = "panel"\n',
     "modes.parallel.aggregator: 'panel' is a debate mode profile"),
    ('[agents.router]\nmode = "debate"\n', "agents.router.mode: the router profile makes the router mode's routes, one structured call: it cannot be a mode"),
])
def test_an_agent_that_decides_in_one_call_cannot_be_a_mode(tmp_path, config, message):
    result = run(tmp_path, "hello", config=config)

    assert result.returncode == 1 and message in result.stderr and len(result.stderr.splitlines()) == 1
