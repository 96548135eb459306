"""`agentsh --plain` on a terminal: the prompt comes first, ready for typing, while the session
opens and litellm loads behind it; a line sent before then waits for both."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from prompt_toolkit.output import DummyOutput

from agentsh.config import Settings
from agentsh.errors import AgentshError
from agentsh.repl.main import interactive
from agentsh.session import Session

from conftest import until
from fakeserver import Reply

START = 60.0  # seconds: a busy machine starts Python slowly

# Run by the agentsh subprocess (PYTHONPATH): importing litellm blocks until the test opens the gate.
GATE = """\
import importlib.abc, os, sys, time

class Gate(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "litellm":
            gate = os.environ["LITELLM_GATE"]
            open(gate + ".asked", "w").close()
            while not os.path.exists(gate + ".open"):
                time.sleep(0.02)
        return None

sys.meta_path.insert(0, Gate())
"""


class Terminal:
    """agentsh in a pseudo-terminal of 80x24; everything it wrote kept in `output`."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agentsh", *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def wait_for(self, text: str, bound: float = START) -> None:
        deadline = time.monotonic() + bound
        while text.encode() not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on the terminal within {bound} s; it shows: {bytes(self.output[-600:])!r}")
            time.sleep(0.02)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        self.process.kill()
        self.process.wait(10)
        os.close(self.master)


def test_the_prompt_is_up_and_takes_a_line_before_litellm_is_imported(tmp_path, home, fake_server):
    fake_server.default_reply = Reply(text="answered once litellm loaded")
    gate_dir = tmp_path / "gate"
    gate_dir.mkdir()
    (gate_dir / "sitecustomize.py").write_text(GATE)
    gate = str(tmp_path / "litellm")
    env = dict(
        os.environ, PYTHONPATH=str(gate_dir), LITELLM_GATE=gate, TERM="xterm-256color",
        OPENAI_BASE_URL=fake_server.base_url, OPENAI_API_KEY="sk-test", LITELLM_LOCAL_MODEL_COST_MAP="True",
    )
    terminal = Terminal(["--plain", "--home", str(home), "--model", "openai/fake-model"], env, tmp_path)
    try:
        terminal.wait_for("tools ❯")  # litellm's import is held at its gate: the prompt did not wait for it
        terminal.type("hello while it loads\r")
        terminal.wait_for("waiting to send: the model client (litellm) is loading")
        assert os.path.exists(gate + ".asked"), "litellm's import starts in the background once the prompt is up"
        assert b"answered once litellm loaded" not in terminal.output
        Path(gate + ".open").touch()
        terminal.wait_for("answered once litellm loaded")
        terminal.wait_for("tools ❯", 20)
        terminal.type("\x04")
        assert terminal.process.wait(20) == 0
    finally:
        terminal.close()
    assert fake_server.requests, "the line typed before litellm was loaded was sent"


async def test_a_line_typed_while_the_session_opens_is_sent_once_it_is_open(home, pipe, monkeypatch):
    release = threading.Event()
    real_open = Session.open.__func__

    def slow_open(cls, *args, **kwargs):
        release.wait(10)
        return real_open(cls, *args, **kwargs)

    monkeypatch.setattr(Session, "open", classmethod(slow_open))
    out = io.StringIO()
    shell = asyncio.create_task(interactive(Settings(home=home, model="offline"), None, False, keyboard=pipe, screen=DummyOutput(), out=out))
    pipe.send_text("typed before the session opened\r")
    await asyncio.sleep(0.3)
    assert not shell.done() and out.getvalue() == ""  # nothing to show yet: the session is still opening
    release.set()
    await until(lambda: "You said: typed before the session opened" in out.getvalue(), what="the answer")
    pipe.send_text("\x04")
    assert await asyncio.wait_for(shell, 10) == 0
    assert out.getvalue().index("session ") < out.getvalue().index("You said")  # the greeting, then the turn


async def test_a_session_that_cannot_open_ends_the_prompt_with_its_error(home, pipe):
    opening = interactive(Settings(home=home, model="offline"), "no-such-session", False, keyboard=pipe, screen=DummyOutput(), out=io.StringIO())
    with pytest.raises(AgentshError, match="no-such-session"):
        await asyncio.wait_for(opening, 10)
