"""Escape sequences never reach the terminal; plugin files added while the REPL runs are usable."""

from __future__ import annotations

import os
from pathlib import Path

from agentsh import tool
from agentsh.config import Settings
from agentsh.events import Step
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.repl.render import TranscriptPrinter
from agentsh.session import Session

from helpers import scripted_session

TITLE = "\x1b]0;pwned title\x07"
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"
HIDE = "\x1b[24D\x1b[K"
HOSTILE = f"before {TITLE} {CLEAR} {CLIPBOARD} {HIDE} after\r\x07\x9b2J"


async def test_escape_sequences_in_answers_tools_and_titles_reach_the_terminal_inert(home, drive):
    @tool
    def fetch(url: str) -> str:
        """Fetch a page."""
        return HOSTILE + "\nsecond line"

    model = ScriptedModel(
        calls(("fetch", {"url": HOSTILE})),
        Reply(HOSTILE, chunk=3),  # split mid-sequence across deltas
    )
    repl = await drive(scripted_session(home, model, fetch))

    printed = await repl.submit(f"look {TITLE}")
    repl.repl.transcript.show(Step(kind="route", title=HOSTILE, status="done", data={"reason": CLEAR}))
    await repl.submit(f"/title {CLEAR}x")

    assert "\x1b" not in repl.text and "\x07" not in repl.text and "\x9b" not in repl.text
    assert "before ␛]0;pwned title\\x07 ␛[2J ␛]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07 ␛[24D␛[K after␍" in printed
    assert printed.count("␛]0;pwned title") == 2  # the tool's result, the answer
    assert 'fetch(url="before \\u001b]0;pwned title' in printed  # arguments are shown as JSON
    assert "\x1b" not in repl.terminal.prompt.bottom_toolbar()


def test_our_own_colours_are_the_only_escape_codes_on_a_colour_terminal():
    class Screen:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> None:
            self.parts.append(text)

        def flush(self) -> None:
            pass

    screen = Screen()
    transcript = TranscriptPrinter(screen, color=True)
    transcript.line(HOSTILE, "red")
    written = "".join(screen.parts)
    assert written.startswith("\x1b[31m") and written.count("\x1b") == 2 and written.endswith("\x1b[0m\n")


WEATHER = '''
from agentsh import tool

@tool
def weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"
'''


def write_plugin(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a distinct stamp even within one clock tick
    os.utime(path, ns=(stamp, stamp))


async def test_a_plugin_added_while_the_repl_runs_is_announced_and_usable_on_the_next_turn(home, tmp_path, drive):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    repl = await drive(Session.open(Settings(home=home, model="offline", plugin_dirs=[plugins])), plugin_poll=0.02)
    assert "weather returned" not in await repl.submit("what is the weather tool?")

    write_plugin(plugins / "weather.py", WEATHER)
    await repl.wait_for_text("· weather.py: 1 tool loaded")  # shown between turns, while the prompt waits

    printed = await repl.submit("use the weather tool for Oslo")
    assert "⚙ weather(" in printed and "→ ok" in printed and "sunny in" in printed

    write_plugin(plugins / "weather.py", "def broken(:\n")
    await repl.wait_for_text("! weather.py")
    assert "failed to load" in repl.text.split("! weather.py", 1)[1].splitlines()[0]


async def test_a_plugin_change_during_a_turn_is_reported_in_that_turn(home, tmp_path, drive):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    session = scripted_session(home, ScriptedModel(), plugin_dirs=[plugins])

    def write_then_answer(request):
        write_plugin(plugins / "weather.py", WEATHER)
        return calls(("calculator", {"expression": "1+1"}))

    session.model.add(write_then_answer, calls(("weather", {"city": "Rome"})), "done")
    repl = await drive(session, plugin_poll=60)

    printed = await repl.submit("go")
    assert "· weather.py: 1 tool loaded" in printed and "sunny in Rome" in printed
