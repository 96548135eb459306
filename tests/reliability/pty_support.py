"""A pseudo-terminal of the test's own, running the real agentsh as its controlling process."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

from reliability_support import agentsh_env

AGENTSH = [sys.executable, "-m", "agentsh"]
START = 60.0  # seconds for agentsh to start and reach the point of a test (litellm's import is slow on a busy machine)
BOUND = 20.0  # seconds for it to do what a test then asks (stop, take a paste)


def wait_until(check, what: str, bound: float = START):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {bound} s")


class Pty:
    """A pseudo-terminal of 80×24 running agentsh as its controlling process; keeps all it printed."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.slave = os.dup(slave)  # kept: the terminal's modes can be read after agentsh exits
        env = dict(env or agentsh_env(), TERM="xterm-256color", COLUMNS="80", LINES="24")
        self.process = subprocess.Popen(
            [*AGENTSH, *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.output = bytearray()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # select with a timeout: a read blocked on the master would keep it open after close()
        while not self._stop.is_set():
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return
                if not data:
                    return
                self.output += data

    def wait_for(self, text: bytes, bound: float = START) -> None:
        wait_until(lambda: text in self.output, f"{text!r} on the terminal", bound)

    def type(self, text: str) -> None:
        self.write(text.encode())

    def write(self, data: bytes) -> None:
        """All of `data`, as a terminal sends it (a large write goes in as the app reads)."""
        view = memoryview(data)
        while view:
            view = view[os.write(self.master, view):]

    def hang_up(self) -> None:
        """Close the terminal window: the kernel sends SIGHUP, and the terminal is gone."""
        self._stop.set()
        self._reader.join()
        os.close(self.master)
        self.master = -1

    def wait(self) -> int:
        try:
            status = self.process.wait(BOUND)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"agentsh did not exit within {BOUND} s of the signal") from None
        if self.master >= 0:
            time.sleep(0.2)  # the last bytes
        return status

    def cooked(self) -> bool:
        flags = termios.tcgetattr(self.slave)[3]
        return bool(flags & termios.ICANON and flags & termios.ECHO)

    def close(self) -> None:
        self.process.kill()
        self._stop.set()
        self._reader.join()
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
