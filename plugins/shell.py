"""Run shell commands in the workspace, with approval, a timeout and bounded output.

``run_shell`` runs ``/bin/sh -c <command>`` in the workspace root, with no input, in a
process group of its own. On timeout (or when the call is cancelled) the whole group
is stopped — SIGTERM, then SIGKILL after a short grace — so background jobs and
grandchildren die with the shell. Output (stdout and stderr together) is read as it
arrives and only its head and tail are kept, so a command that prints gigabytes costs
a fixed amount of memory. When the shell exits while a background process still holds
its output open, that process group is stopped too; a background job whose output is
redirected (``server > log 2>&1 &``) keeps running.

Protected paths: a command that names one of agentsh's protected paths (its config,
plugin directories, trust list, data home) — absolutely, or as ``~/...``,
``$HOME/...`` or ``${HOME}/...`` — is refused. This is a best-effort guard on top
of the user's approval of every command, not a sandbox: a command can always reach
a path without spelling it out (``cd ~/.config && rm -r agentsh``, variables,
globs, scripts). The approval is what keeps the user in control.

``is_simple_command`` and ``always_scope`` are pure helpers for approval rules: an
"always allow commands starting with ``ls``" rule may only ever cover simple commands — no
chaining, pipes, redirection, substitution or background jobs — that ``/bin/sh`` reads exactly
as agentsh does. Anything else (a no-break space or vertical tab that sh does not split on,
quotes or escapes in the command's name, globs, comments, non-ASCII text) is asked every time.
"""
from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
from pathlib import Path

from agentsh import tool
from agentsh.tools.context import protected_paths, workspace_root

MAX_TIMEOUT = 600.0
KILL_GRACE = 1.0
POLL_INTERVAL = 0.05
DRAIN_GRACE = 0.5
# Head and tail together stay under the executor's 20,000-character limit, so the marker that
# says how much output was left out reaches the model instead of being truncated away itself.
HEAD_BYTES = 8 * 1024
TAIL_BYTES = 8 * 1024
CHUNK_BYTES = 64 * 1024

_NOT_SIMPLE = ("&", "|", ";", ">", "<", "$(", "`", "\n", "\r")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# What an "always" rule may cover: printable ASCII without backslash, `#`, `!`, `(`, `)`, `;`, `&`,
# `|`, `<`, `>` or backquote, separated by plain spaces only; quotes, globs and `$` only after the
# command's name, which is one unquoted word of letters, digits and `_./:,+@%-`.
_PLAIN_COMMAND = re.compile(r"[A-Za-z0-9 _./=:,+@%'\"*?\[\]{}~$-]+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_./:,+@%-]+")


def is_simple_command(command: str) -> bool:
    """True for one plain command: no chaining, pipes, redirection, substitution or background job.

    Conservative: an operator character anywhere, even quoted, makes it not simple, and
    so does a leading variable assignment (``LD_PRELOAD=x ls`` is not "ls").
    """
    if not command.strip() or any(token in command for token in _NOT_SIMPLE):
        return False
    return not _ASSIGNMENT.match(command.strip())


def always_scope(command: str) -> str | None:
    """The command name an "always" answer may cover ("ls" for "ls -la /tmp"), or None to ask every time.

    None unless the command is simple and made only of characters whose meaning to /bin/sh
    is plain, and unless shlex (POSIX) reads it without error and finds the same first word
    as splitting on spaces does: what agentsh would allow is then exactly what sh runs.
    """
    if not is_simple_command(command) or not _PLAIN_COMMAND.fullmatch(command):
        return None
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes
        return None
    name = command.strip(" ").split(" ")[0]
    if not words or words[0] != name or not _PLAIN_NAME.fullmatch(name):
        return None
    return name


def _spellings(path: Path) -> list[str]:
    """The ways a command could write `path`: absolute, and under ~ / $HOME / ${HOME}."""
    forms = {str(path)}
    home = Path(os.path.expanduser("~"))
    for base in {home, Path(os.path.realpath(home))}:
        if path.is_relative_to(base):
            rest = path.relative_to(base).as_posix()
            tail = "" if rest == "." else f"/{rest}"
            forms |= {str(base) + tail, f"~{tail}", f"$HOME{tail}", f"${{HOME}}{tail}"}
    return sorted(forms, key=len, reverse=True)


def _named_protected_path(command: str) -> Path | None:
    for path in protected_paths():
        for form in _spellings(path):
            if re.search(rf"(?<![\w.~$/-]){re.escape(form)}(?![\w.-])", command):
                return path
    return None


class _Capture:
    """Keeps the first HEAD_BYTES and the last TAIL_BYTES of a stream, and counts the rest."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > TAIL_BYTES:
            del self.tail[: len(self.tail) - TAIL_BYTES]

    def text(self) -> str:
        omitted = self.total - len(self.head) - len(self.tail)
        marker = f"\n... [{omitted:,} bytes of output omitted] ...\n" if omitted else ""
        return (bytes(self.head).decode(errors="replace") + marker + bytes(self.tail).decode(errors="replace"))


async def _read_all(stream: asyncio.StreamReader, capture: _Capture) -> None:
    while chunk := await stream.read(CHUNK_BYTES):
        capture.add(chunk)


def _signal_group(group: int, sig: int) -> bool:
    """Send `sig` to the process group; False when no process is left in it."""
    try:
        os.killpg(group, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # only zombies or foreign processes left
        return False


async def _exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    """Wait up to `timeout` for the shell itself to exit, even while others hold its output open.

    (`Process.wait()` alone also waits for the output pipes to close.)
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    waiter = asyncio.ensure_future(process.wait())
    try:
        while process.returncode is None and not waiter.done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait({waiter}, timeout=min(remaining, 2 * POLL_INTERVAL))
        return True
    finally:
        waiter.cancel()


async def _stop_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the whole group, then SIGKILL whatever is still in it after KILL_GRACE."""
    if _signal_group(process.pid, signal.SIGTERM):
        for _ in range(round(KILL_GRACE / POLL_INTERVAL)):
            await asyncio.sleep(POLL_INTERVAL)
            if not _signal_group(process.pid, 0):
                break
        else:
            _signal_group(process.pid, signal.SIGKILL)
    await _exited(process, KILL_GRACE)


async def _spawn(command: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", command,
        cwd=workspace_root(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )


async def _start(command: str) -> asyncio.subprocess.Process:
    """Start the command; a cancellation while asyncio still connects its pipes stops the group too.

    The shell runs as soon as it is forked, before `create_subprocess_exec` returns. Cancelled in
    that window, asyncio kills only the shell itself, and the jobs it already started would live on.
    """
    spawning = asyncio.ensure_future(_spawn(command))
    try:
        return await asyncio.shield(spawning)
    except BaseException:
        await asyncio.shield(_stop_once_spawned(spawning))
        raise


async def _stop_once_spawned(spawning: asyncio.Future) -> None:
    try:
        process = await spawning
    except Exception:  # never started: nothing to stop
        return
    await _stop_group(process)


async def _output_closed(reader: asyncio.Task, grace: float) -> bool:
    """Wait up to `grace` for the output to reach its end; True when it did."""
    done, _ = await asyncio.wait({reader}, timeout=grace)
    return bool(done)


async def _run(process: asyncio.subprocess.Process, capture: _Capture, timeout: float) -> str:
    """Wait for the command; returns its status line (exit code, or what had to be stopped)."""
    assert process.stdout is not None  # _start pipes it
    reader = asyncio.create_task(_read_all(process.stdout, capture))
    try:
        return await _supervise(process, reader, timeout)
    except BaseException:  # cancelled (or failed): never leave the group running
        await asyncio.shield(_stop_group(process))
        raise
    finally:
        if not reader.done():  # a process outside the group still holds the output: let go of it
            reader.cancel()
            process._transport.close()  # type: ignore[attr-defined]  # asyncio has no public way to drop the pipe


def _exit_status(code: int) -> str:
    if code >= 0:
        return f"exit code {code}"
    try:
        return f"killed by signal {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


async def _supervise(process: asyncio.subprocess.Process, reader: asyncio.Task, timeout: float) -> str:
    if not await _exited(process, timeout):
        await _stop_group(process)
        await _output_closed(reader, KILL_GRACE)
        return f"timed out after {timeout:g} s: the command and its child processes were stopped"
    assert process.returncode is not None  # _exited said so
    status = _exit_status(process.returncode)
    if await _output_closed(reader, DRAIN_GRACE):
        return status
    await _stop_group(process)  # a background process still holds the output open
    await _output_closed(reader, KILL_GRACE)
    return f"{status}; background processes still holding the output open were stopped (redirect their output to keep them running)"


def _check(command: str, timeout: float) -> None:
    if not command.strip():
        raise ValueError("command is empty")
    if not 0 < timeout <= MAX_TIMEOUT:
        raise ValueError(f"timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not {timeout:g}")
    protected = _named_protected_path(command)
    if protected is not None:
        raise PermissionError(f"refused: the command names {protected}, one of agentsh's own protected paths")


def approval_scope(arguments: dict) -> str | None:
    """"Always allow" covers one command name, and never a chained, redirected or unusually written command."""
    return always_scope(str(arguments.get("command", "")))


@tool(requires_approval=True, timeout=MAX_TIMEOUT + 10 * KILL_GRACE, approval_scope=approval_scope)
async def run_shell(command: str, timeout: float = 60) -> str:
    """Run a shell command (/bin/sh -c) in the workspace root and return its exit code and output.

    stdout and stderr are combined. The command gets no input, so interactive
    programs must be given flags that avoid prompts (e.g. "git --no-pager",
    "apt-get -y"). Long output keeps only its beginning and end. On timeout the
    command and everything it started are stopped. The user approves each command.

    Args:
        command: The shell command line, e.g. "ls -la" or "pytest -q tests/test_app.py".
        timeout: Seconds to wait before stopping the command (at most 600).
    """
    _check(command, timeout)
    process = await _start(command)
    capture = _Capture()
    status = await _run(process, capture, timeout)
    return f"{status}\n{capture.text()}".rstrip("\n")
