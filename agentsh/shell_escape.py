"""`!cmd`: the user's own command, run in their shell ($SHELL, else /bin/sh) in the workspace.

    run = ShellRun("ls -la", workspace)
    async for chunk in run.stream():   # output as it comes (stdout and stderr together)
        ...
    run.context()                      # the command and its output, as context for the model

It is the user's command, typed by them, so it needs no approval. It runs in its own process
group, so stopping it (cancelling the stream: Esc / Ctrl+C) stops everything it started. What it
prints is hostile text like any other: the UIs show it neutralised, never as markup.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import signal
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path

CHUNK = 4096
KEPT = 64_000  # characters of output kept for the conversation: the head and the tail
KILL_GRACE = 1.0  # seconds between SIGTERM and SIGKILL of the group


def is_shell_escape(text: str) -> bool:
    """`!cmd` at the start of the input (`!` alone, or `!` then spaces, is not one)."""
    return text.startswith("!") and bool(text[1:].strip())


def user_shell() -> str:
    shell = os.environ.get("SHELL", "")
    return shell if shell and os.path.isabs(shell) and os.access(shell, os.X_OK) else "/bin/sh"


class ShellRun:
    def __init__(self, command: str, workspace: Path) -> None:
        self.command = command
        self.workspace = workspace
        self.output: list[str] = []
        self.exit_code: int | None = None
        self.stopped = False

    async def stream(self) -> AsyncIterator[str]:
        """The output as it comes; cancelling the consumer stops the command's whole process group."""
        process = await asyncio.create_subprocess_exec(
            user_shell(), "-c", self.command, cwd=self.workspace, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        assert process.stdout is not None  # asked for a pipe
        try:
            while chunk := await process.stdout.read(CHUNK):
                text = decoder.decode(chunk)
                self.output.append(text)
                yield text
            self.exit_code = await process.wait()
        except BaseException:  # cancelled (Esc / Ctrl+C) or the consumer closed the stream
            self.stopped = True
            await asyncio.shield(_stop_group(process))
            raise

    def text(self) -> str:
        whole = "".join(self.output)
        if len(whole) <= KEPT:
            return whole
        half = KEPT // 2
        return f"{whole[:half]}\n… [{len(whole) - KEPT:,} characters omitted] …\n{whole[-half:]}"

    def status(self) -> str:
        if self.stopped:
            return "stopped"
        return "exit status 0" if self.exit_code == 0 else f"exit status {self.exit_code}"

    def context(self) -> str:
        """The command and its output, as the model reads them."""
        return f'<shell command="{self.command}" {self.status().replace(" ", "_")}>\n{self.text()}\n</shell>'


async def _stop_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the group, then SIGKILL what is left of it after KILL_GRACE."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
        with suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), KILL_GRACE)
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE)
