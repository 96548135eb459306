"""End to end: the real `agentsh` console script in a real terminal (tmux), on the offline model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it): cannot drive the app in a real terminal")
WAIT = 15.0


class Terminal:
    """One tmux server of our own (its own socket): a 120×40 terminal running one command."""

    def __init__(self, command: str) -> None:
        self.socket = f"agentsh-test-{os.getpid()}-{time.monotonic_ns()}"
        self.tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command)

    def tmux(self, *args: str) -> subprocess.CompletedProcess:
        # Without COLUMNS and LINES: under pytest (and its xdist workers) they can say 80 columns, which
        # shutil.get_terminal_size (and so Textual) would trust over the real tmux size.
        env = {name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES")}
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=10, env=env)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app").stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def wait_for_header(self, *parts: str) -> str:
        """The first line once it shows every one of `parts` (it settles as the session's figures arrive)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            header = self.screen().splitlines()[0]
            if all(part in header for part in parts):
                return header
            time.sleep(0.1)
        raise AssertionError(f"the header never showed {parts}:\n{self.screen()}")

    def wait_closed(self) -> None:
        deadline = time.monotonic() + WAIT
        while self.tmux("has-session", "-t", "app").returncode == 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not quit:\n{self.screen()}")
            time.sleep(0.1)

    def close(self) -> None:
        self.tmux("kill-server")


def test_chat_watch_a_tool_switch_mode_quit_and_continue(tmp_path):
    agentsh = Path(sys.executable).with_name("agentsh")
    home = tmp_path / "home"
    command = f"cd {tmp_path} && {agentsh} --home {home}"
    terminal = Terminal(command)
    try:
        terminal.wait_for("ready")
        assert "offline (built-in)" in terminal.wait_for("OPENAI_API_KEY")
        terminal.keys("use the calculator to add 17 and 25", "Enter")
        screen = terminal.wait_for("calculator returned: 42")
        assert '✓ calculator({"expression": "17 + 25"})' in screen
        terminal.keys("/mode planner", "Enter")
        terminal.wait_for("mode: planner")
        terminal.keys("C-q")
        terminal.wait_closed()
    finally:
        terminal.close()
    assert not (home / "agentsh.db-wal").exists(), "a clean exit checkpoints the store and closes it"
    terminal = Terminal(f"cd {tmp_path} && {agentsh} -c --home {home}")
    try:
        terminal.wait_for("ready")
        terminal.wait_for("calculator returned: 42")  # the resumed transcript fills in after the first paint
        terminal.wait_for_header("use the calculator to add 17 and 25", "planner")
        terminal.keys("C-q")
        terminal.wait_closed()
    finally:
        terminal.close()


def test_keys_typed_while_the_app_starts_land_in_the_message(tmp_path):
    """Typed before the first paint (the terminal holds them, in line mode, until the app reads them): none
    is lost to the transcript, which Textual's screen would otherwise focus first, and Enter sends."""
    agentsh = Path(sys.executable).with_name("agentsh")
    terminal = Terminal(f"cd {tmp_path} && {agentsh} --home {tmp_path / 'home'}")
    try:
        terminal.keys("typed at launch", "Enter", "and kept")
        terminal.wait_for("▶ 1 model call")  # the message was sent, and answered
        assert "█ typed at launch" in terminal.screen()
        assert "│ and kept" in terminal.wait_for("│ and kept")
        terminal.keys("C-q")
        terminal.wait_closed()
    finally:
        terminal.close()
