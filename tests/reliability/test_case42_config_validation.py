"""Case 42: a config file that is silently wrong.

Every section and value is checked when the config is read: a typo in a key (at any depth,
`[modes.planer]` included) is an error with a "did you mean", a value of the wrong type is
never coerced (`home = 5` does not send data to ./5), and each problem is one line that names
the key and the file, in plain words rather than pydantic's.
"""

from __future__ import annotations

import pytest

from agentsh.config import MODE_NAMES
from agentsh.modes import mode_names

WRONG = {
    "a typo in a mode's name": ("[modes.planer]\nmax_tasks = 3\n", "unknown key modes.planer (did you mean modes.planner?)"),
    "a typo in a mode's setting": ("[modes.planner]\nmax_task = 3\n", "unknown key modes.planner.max_task (did you mean modes.planner.max_tasks?)"),
    "a typo in a section": ("[memory]\nrecal = false\n", "unknown key memory.recal (did you mean memory.recall?)"),
    "a typo in an agent": ('[agents.coder]\nsystem_promt = "Be brief."\n', "unknown key agents.coder.system_promt (did you mean agents.coder.system_prompt?)"),
    "an agent of one's own without a prompt": ('[agents.mine]\nmodel = "openai/gpt-4o-mini"\n', "agents.mine.system_prompt is required"),
    "a typo at the top": ('modell = "openai/gpt-4o"\n', "unknown key modell (did you mean model?)"),
    "home as a number": ("home = 5\n", "home must be a path (text), not 5"),
    "a number as text": ('max_steps = "20"\n', 'max_steps must be a whole number, not "20"'),
    "a choice not offered": ('approval = "yes"\n', 'approval must be one of "ask", "auto" or "deny", not "yes"'),
    "a value out of range": ("[context]\nbudget_ratio = 2\n", "context.budget_ratio must be at most 1, not 2"),
    "a yes/no as text": ('[memory]\nrecall = "no"\n', 'memory.recall must be true or false, not "no"'),
    "a section as a value": ("modes = 3\n", "modes must be a table, not 3"),
    "a mode setting of the wrong type": ('[modes.planner]\nmax_tasks = "many"\n', "modes.planner.max_tasks must be a whole number"),
}
JARGON = ("Extra inputs", "Input should", "pydantic", "type=", "Field required", "Traceback")


@pytest.mark.parametrize("case", WRONG)
def test_case42_a_wrong_config_is_one_line_naming_the_key(cli, workdir, monkeypatch, case):
    text, expected = WRONG[case]
    config = workdir / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))

    status, out, err = cli("run", "--model", "offline", "hello")

    assert status == 1 and out == ""
    assert err.startswith(f"agentsh: {config}: {expected}"), err
    assert len(err.strip().splitlines()) == 1
    assert not any(word in err for word in JARGON), err
    assert not (workdir / "5").exists(), "no data went to ./5"


def test_case42_a_right_config_is_accepted(cli, workdir, home, monkeypatch):
    config = workdir / "config.toml"
    config.write_text(f'home = "{home}"\nmax_steps = 5\n[memory]\nrecall = false\n[context]\nbudget_ratio = 0.5\n'
                      "[modes.planner]\nmax_tasks = 3\n[agents.coder]\nsystem_prompt = \"Be brief.\"\ntemperature = 0\n")
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))

    status, _out, err = cli("run", "--model", "offline", "hello")

    assert status == 0, err
    assert (home / "agentsh.db").exists()


def test_case42_the_config_knows_every_mode():
    assert sorted(MODE_NAMES) == sorted(mode_names())
