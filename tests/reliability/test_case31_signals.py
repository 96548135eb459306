"""Case 31: SIGTERM and SIGHUP (a `kill`, a closed terminal window, a logout) lose nothing.

`agentsh run`, the TUI and the REPL are real processes here; the TUI and the REPL run in a
pseudo-terminal of the test's own. The signal arrives while a shell command runs (`sleep 30`,
started by the offline model's run_shell with --yes) or while a stream has stalled after a
few words (the fake server). Each time: the process exits within a bound with 128 + the
signal's number, no process of the shell command's group is left, the turn is stored marked
interrupted with everything shown so far, and the terminal is given back as it was (out of
the alternate screen, cursor shown, mouse tracking off, cooked mode). Closing the terminal
itself (the pty's other end) is SIGHUP with a terminal that can no longer be written to.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from pty_support import AGENTSH, BOUND, START, Pty, wait_until
from reliability_support import agentsh_env, connect

from fakeserver import Reply

RESTORED = (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l")  # leave the alternate screen, show the cursor, no mouse
ANSWER = "The answer is forty-two, and here is why it is so."


def _processes() -> dict[int, tuple[str, int, bytes]]:
    """pid -> (state, process group, command line) of every process we can see."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0:4:2]
                found[int(entry.name)] = (state, int(group), (entry / "cmdline").read_bytes())
            except (OSError, IndexError):
                continue
    return found


def shell_group(marker: str) -> int | None:
    """The process group of run_shell's `/bin/sh -c "sleep 30 && echo MARKER"` (agentsh's own command line holds MARKER too)."""
    shell = f"/bin/sh\0-c\0sleep 30 && echo {marker}\0".encode()
    return next((group for state, group, command in _processes().values() if command == shell and state != "Z"), None)


def alive_in(group: int) -> list[int]:
    return [pid for pid, (state, pgid, _) in _processes().items() if pgid == group and state not in ("Z", "X")]


def stored_turn(home: Path) -> tuple[str, list[tuple[str, str, int]]]:
    with closing(connect(home / "agentsh.db")) as db:
        [(turn_id, status)] = db.execute("SELECT id, status FROM turns").fetchall()
        rows = db.execute("SELECT role, content, interrupted FROM messages WHERE turn_id = ? ORDER BY seq", [turn_id])
        return status, [tuple(row) for row in rows]


def sleep_prompt() -> tuple[str, str]:
    marker = f"case31-{uuid.uuid4().hex[:8]}"
    return marker, f'use run_shell with "sleep 30 && echo {marker}"'


def assert_stopped_in_order(home: Path, group: int, status: int, signum: int) -> None:
    assert status == 128 + signum
    assert alive_in(group) == [], "the shell command's processes outlived agentsh"
    turn_status, messages = stored_turn(home)
    assert turn_status == "interrupted"
    assert messages[-1][0] == "tool" and "interrupted" in messages[-1][1]


# agentsh run --------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_case31_run_stops_the_shell_group_and_saves_the_turn(workdir, home, signum):
    marker, prompt = sleep_prompt()
    process = subprocess.Popen(
        [*AGENTSH, "--home", str(home), "--model", "offline", "run", "--yes", "--no-stdin", prompt],
        cwd=workdir, env=agentsh_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        group = wait_until(lambda: shell_group(marker), "the shell command starting")
        process.send_signal(signum)
        _, err = process.communicate(timeout=BOUND)
    finally:
        process.kill()
    assert_stopped_in_order(home, group, process.returncode, signum)
    assert f"stopped by {signum.name}" in err.decode() and "Traceback" not in err.decode()


def test_case31_run_keeps_the_text_of_a_stalled_stream(workdir, home, fake_server):
    """The stalled words were shown but never checkpointed (less than 0.25 s apart): they are stored all the same."""
    fake_server.enqueue(Reply(text=ANSWER, chunk_size=4, stall_after=3, stall_seconds=30))
    process = subprocess.Popen(
        [*AGENTSH, "--home", str(home), "--model", "openai/fake-model", "run", "--json", "--no-stdin", "why?"],
        cwd=workdir, env=agentsh_env(fake_server), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        shown = ""
        deadline = time.monotonic() + START
        while len(shown) < 12 and time.monotonic() < deadline:
            event = json.loads(process.stdout.readline())
            shown += event.get("delta", "") if event["type"] == "text" else ""
        assert shown == ANSWER[:12]
        process.terminate()
        process.communicate(timeout=BOUND)
    finally:
        process.kill()
    assert process.returncode == 143
    assert stored_turn(home) == ("interrupted", [("user", "why?", 0), ("assistant", ANSWER[:12], 1)])


# the TUI and the REPL, in a terminal ------------------------------------------------------------


STOPS = {"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP, "window-closed": None}


@pytest.mark.parametrize("stop", STOPS)
def test_case31_tui_restores_the_terminal_and_saves_the_turn(workdir, home, stop):
    marker, prompt = sleep_prompt()
    terminal = Pty(["--home", str(home), "--model", "offline", "--yes"], workdir)
    try:
        terminal.wait_for(b"ready")
        terminal.type(prompt + "\r")
        group = wait_until(lambda: shell_group(marker), "the shell command starting")
        before = len(terminal.output)
        if STOPS[stop] is None:
            terminal.hang_up()
        else:
            terminal.process.send_signal(STOPS[stop])
        status = terminal.wait()
        after = bytes(terminal.output[before:])
        assert_stopped_in_order(home, group, status, STOPS[stop] or signal.SIGHUP)
        if STOPS[stop] is not None:
            assert [sequence in after for sequence in RESTORED] == [True] * len(RESTORED), after[-300:]
            assert after.rindex(b"\x1b[?1049l") > after.rfind(b"\x1b[?1049h")
            assert terminal.cooked(), "the terminal was left in raw mode"
    finally:
        terminal.close()


@pytest.mark.parametrize("stop", STOPS)
def test_case31_repl_saves_the_turn(workdir, home, stop):
    marker, prompt = sleep_prompt()
    terminal = Pty(["--home", str(home), "--model", "offline", "--yes", "--plain"], workdir)
    try:
        terminal.wait_for("❯".encode())
        terminal.type(prompt + "\r")
        group = wait_until(lambda: shell_group(marker), "the shell command starting")
        if STOPS[stop] is None:
            terminal.hang_up()
        else:
            terminal.process.send_signal(STOPS[stop])
        status = terminal.wait()
        assert_stopped_in_order(home, group, status, STOPS[stop] or signal.SIGHUP)
        if STOPS[stop] is not None:
            assert terminal.cooked(), "the terminal was left in raw mode"
            assert f"stopped by {STOPS[stop].name}".encode() in terminal.output
    finally:
        terminal.close()
