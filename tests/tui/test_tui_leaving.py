"""Leaving the TUI and coming back: how to continue is printed on the way out; the chosen theme is kept."""

from __future__ import annotations

import argparse
import asyncio
import tomllib

from agentsh.config import config_path
from agentsh.models.scripted import ScriptedModel
from agentsh.tui import tui_command
from agentsh.tui.app import AgentshApp

from helpers import scripted_session, send
from tui_support import SIZE, make_app, ready, wait_for


def test_quitting_prints_how_to_continue_the_session(home, monkeypatch, capsys):
    session = scripted_session(home, ScriptedModel("Hello."))
    asyncio.run(send(session, "hi"))
    monkeypatch.setattr("agentsh.tui._open_session", lambda args: session)
    run = AgentshApp.run

    async def quit_when_ready(pilot) -> None:
        await ready(pilot)
        await pilot.press("ctrl+q")

    monkeypatch.setattr(AgentshApp, "run", lambda self: run(self, headless=True, size=SIZE, auto_pilot=quit_when_ready))
    assert tui_command(argparse.Namespace(resume=None, continue_latest=False)) == 0
    out = capsys.readouterr().out
    assert f"session {session.id} saved · continue it with: agentsh -c (the latest session started here) or agentsh --resume {session.id}" in out


CONFIG = """# my agentsh settings
model = "offline"   # no key on this laptop
theme = "monokai"   # changed from the TUI

[memory]
recall = true  # keep this comment
"""


async def test_a_theme_switched_in_the_app_is_saved_in_the_config_and_nothing_else_changes(home):
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text(CONFIG)
    session = scripted_session(home, ScriptedModel("Hello."), theme="dracula")
    app = make_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.theme == "dracula", "the saved theme is applied at start"
        assert config_path().read_text() == CONFIG, "applying it writes nothing"
        app.theme = "nord"
        await wait_for(pilot, lambda: "nord" in config_path().read_text(), what="the config to be saved")
    assert config_path().read_text() == CONFIG.replace('"monokai"', '"nord"')


async def test_a_theme_is_added_to_a_config_without_one_before_its_tables(home):
    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text("[memory]\nrecall = false\n")
    app = make_app(scripted_session(home, ScriptedModel("Hello.")))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.theme = "gruvbox"
        await pilot.pause()
    assert tomllib.loads(config_path().read_text()) == {"theme": "gruvbox", "memory": {"recall": False}}
