"""`agentsh workflows list | check | show`, as a user types them."""

from __future__ import annotations

import pytest

from agentsh.cli import main as cli_main
from agentsh.plugin_loader.trust import set_trust

BROKEN = """
description = "a report"

[nodes.search]
kind = "agent"
agent = "researcher"
prompt = "Find {request}"
output = { type = "object", properties = { facts = { type = "array", items = { type = "string" } } } }

[nodes.draft]
kind = "agent"
agent = "writter"
prompt = "Write from {search.fact}"
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = cli_main(["workflows", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_check_reports_each_mistake_with_file_line_and_suggestion_and_fails(capsys, write_workflow):
    path = write_workflow("report", BROKEN)

    status, out, _ = run(capsys, "check", "report")

    assert status == 1
    assert out.splitlines() == [
        f"{path}:12: unknown agent profile 'writter'; did you mean 'writer'?",
        f"{path}:13: {{search.fact}}: search has no field 'fact'; did you mean 'facts'?",
    ]


def test_once_fixed_check_says_ok(capsys, write_workflow):
    write_workflow("report", BROKEN.replace("writter", "writer").replace("search.fact}", "search.facts}"))

    assert run(capsys, "check", "report") == (0, "report: ok\n", "")


def test_list_names_every_workflow_and_which_do_not_check(capsys, write_workflow):
    write_workflow("report", BROKEN)

    status, out, _ = run(capsys, "list")

    assert status == 0
    assert "report               [2 problems: agentsh workflows check report]  a report" in out.splitlines()
    assert any(line.startswith("trip-booking         [ok]") for line in out.splitlines())


def test_show_draws_the_dag(capsys):
    status, out, _ = run(capsys, "show", "trip-booking")

    assert status == 0
    assert out.splitlines()[2:6] == [
        "flight  tool book_flight  undo: cancel_flight",
        "├─ hotel  tool book_hotel  undo: cancel_hotel",
        "├─ car  tool book_car  undo: cancel_car",
        "└─ itinerary  agent writer  (also after hotel, car)",
    ]


def test_an_unknown_name_gets_the_closest_one(capsys):
    status, _, err = run(capsys, "show", "trip-bokking")

    assert status == 1
    assert err.strip() == "agentsh: unknown workflow 'trip-bokking'; did you mean 'trip-booking'?; `agentsh workflows list` lists them"


def test_a_workspace_workflow_is_used_only_once_the_folder_is_trusted(capsys, tmp_path, monkeypatch):
    own = tmp_path / "repo" / ".agentsh" / "workflows"
    own.mkdir(parents=True)
    (own / "theirs.toml").write_text('[nodes.a]\nkind = "agent"\nprompt = "x"\n')
    monkeypatch.chdir(tmp_path / "repo")

    _, out, _ = run(capsys, "list")
    assert "theirs" not in out.replace("this folder has its own workflows", "")
    assert "not loaded. Run `agentsh trust` here to use them." in out

    set_trust(tmp_path / "repo", True)
    _, out, _ = run(capsys, "list")
    assert any(line.startswith("theirs ") for line in out.splitlines())


@pytest.mark.parametrize("args", [("check", "nothing-like-it"), ("show", "zzz")])
def test_no_traceback_for_a_name_that_does_not_exist(capsys, args):
    status, _, err = run(capsys, *args)
    assert status == 1 and "Traceback" not in err and err.count("\n") == 1


def test_check_refuses_a_structured_output_from_a_remote_agent(capsys, write_workflow, tmp_path, monkeypatch):
    """A remote (A2A) agent answers text: a node asking it for a schema would otherwise run on the local model."""
    config = tmp_path / "config.toml"
    config.write_text('[agents.helper]\nurl = "http://127.0.0.1:9/"\n', encoding="utf-8")
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    path = write_workflow("ask", """
        [nodes.ask]
        kind = "agent"
        agent = "helper"
        prompt = "Rate {request}"
        output = { type = "object", properties = { score = { type = "number" } } }
        """)

    status, out, _ = run(capsys, "check", "ask")

    assert status == 1
    assert out.splitlines()[0] == (
        f"{path}:6: agent profile 'helper' is a remote agent (url): it answers text, not a structured output; "
        "remove output, or name a local profile"
    )


def test_list_on_a_narrow_terminal_gives_each_workflow_one_line_cut_with_an_ellipsis(capsys, monkeypatch):
    import os
    import shutil
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *_: os.terminal_size((50, 20)))
    status, out, _ = run(capsys, "list")

    assert status == 0
    lines = out.splitlines()
    assert lines and all(len(line) <= 50 for line in lines)
    assert any(line.startswith("trip-booking         [ok]  book a") and line.endswith("…") for line in lines)
