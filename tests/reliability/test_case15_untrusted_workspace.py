"""Case 15: a folder's own plugins are imported only once the folder is trusted (or the user names
the folder with --plugins); headless runs say why they were skipped.

The repository under test carries `plugins/evil.py` and `.agentsh/plugins/evil.py`, which
write a marker file when imported. Every way in — `agentsh run` (text and --json), the REPL,
`agentsh tools`, `agentsh plugins list` — leaves the marker absent until `agentsh trust`.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

EVIL = '''
from pathlib import Path
Path(__file__).with_name("MARKER").write_text("imported")
from agentsh import tool

@tool
def weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"
'''
PLUGIN_DIRS = ["plugins", ".agentsh/plugins"]
PROMPT = "use weather for Paris"


@pytest.fixture
def repository(workdir):
    """The folder agentsh runs in, as cloned from someone else: it brings its own plugins."""
    for folder in PLUGIN_DIRS:
        (workdir / folder).mkdir(parents=True)
        (workdir / folder / "evil.py").write_text(EVIL)
    return workdir


def markers(repository) -> list[str]:
    return [folder for folder in PLUGIN_DIRS if (repository / folder / "MARKER").exists()]


def entry_points(home) -> dict[str, list[str]]:
    run = ["run", "--home", str(home), "--model", "offline"]
    return {
        "run": [*run, PROMPT], "run --json": [*run, "--json", PROMPT],
        "repl": ["--plain", "--home", str(home), "--model", "offline"],
        "tools": ["tools"], "plugins list": ["plugins", "list", "--json"],
    }


def test_case15_an_untrusted_folder_s_plugins_are_never_imported_and_headless_runs_say_so(agentsh, repository, home):
    for name, arguments in entry_points(home).items():
        result = agentsh(*arguments)
        out, err = result.stdout.decode(), result.stderr.decode()
        assert result.returncode == 0, (name, err)
        assert markers(repository) == [], f"{name} imported the folder's plugins"
        assert "sunny" not in out and "→ weather" not in err and '"tool_call"' not in out, name
        if name in ("tools", "plugins list"):
            assert "weather" not in out.split('"notices"')[0], name
        says = out if name in ("run --json", "repl", "plugins list") else err
        assert "plugins/ and .agentsh/plugins/" in says and "agentsh trust" in says, (name, out, err)
    notices = [json.loads(line) for line in agentsh(*entry_points(home)["run --json"]).stdout.splitlines()]
    assert any(e["type"] == "notice" and "agentsh trust" in e["message"] for e in notices)


def test_case15_after_agentsh_trust_the_folder_s_plugins_load_and_revoking_stops_them(agentsh, repository, home):
    assert agentsh("trust").returncode == 0
    result = agentsh(*entry_points(home)["run"])
    assert "sunny in Paris" in result.stdout.decode()
    assert markers(repository) == PLUGIN_DIRS
    assert "agentsh trust" not in result.stderr.decode()

    assert agentsh("trust", "--revoke").returncode == 0
    for folder in PLUGIN_DIRS:
        (repository / folder / "MARKER").unlink()
    result = agentsh(*entry_points(home)["run"])
    assert markers(repository) == [] and "sunny" not in result.stdout.decode()


def test_case15_trusting_a_folder_does_not_trust_the_folders_inside_it(agentsh, repository, home):
    inner = repository / "vendor" / "other"
    (inner / "plugins").mkdir(parents=True)
    (inner / "plugins" / "evil.py").write_text(EVIL)
    assert agentsh("trust").returncode == 0
    result = subprocess.run([sys.executable, "-m", "agentsh", *entry_points(home)["run"]], cwd=inner,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "sunny" not in result.stdout
    assert not (inner / "plugins" / "MARKER").exists()


def test_case15_naming_a_folder_with_plugins_is_trust_enough_for_that_folder_only(agentsh, repository, home):
    result = agentsh(*entry_points(home)["run"][:-1], "--plugins", str(repository / "plugins"), PROMPT)
    assert "sunny in Paris" in result.stdout.decode()
    assert markers(repository) == ["plugins"], "only the folder named"
    assert "own plugins (.agentsh/plugins/)" in result.stderr.decode(), "the other one is still not trusted, and said so"
