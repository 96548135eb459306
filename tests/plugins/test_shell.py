"""The shell plugin: exit codes and output, whole-group timeouts, bounded output, guards."""

import asyncio
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from agentsh.tools import context

from helpers import load_bundled_plugin

shell = load_bundled_plugin("shell")


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "work"
    root.mkdir()
    with context.using(context.ToolContext.create(root)):
        yield root


def _gone(pid: int) -> bool:
    """No such process, or a zombie nobody has reaped yet (it no longer runs)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


async def _wait_gone(pid: int, within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        await asyncio.sleep(0.05)
    return _gone(pid)


async def test_output_and_exit_code(workspace):
    assert await shell.run_shell("echo hello; echo oops >&2") == "exit code 0\nhello\noops"
    assert (await shell.run_shell("exit 3")) == "exit code 3"
    assert (await shell.run_shell("echo bye; kill -9 $$")) == "killed by signal SIGKILL\nbye"


async def test_runs_in_the_workspace_with_no_input(workspace):
    assert await shell.run_shell("pwd; cat; echo done") == f"exit code 0\n{workspace}\ndone"


async def test_timeout_kills_the_whole_group_including_grandchildren(workspace):
    started = time.monotonic()
    result = await shell.run_shell("sh -c 'sleep 30 & echo $! > pidfile; wait'", timeout=0.5)
    assert result.startswith("timed out after 0.5 s")
    assert time.monotonic() - started < 3
    assert await _wait_gone(int((workspace / "pidfile").read_text()))


async def test_background_job_holding_the_output_is_stopped_when_the_shell_exits(workspace):
    started = time.monotonic()
    result = await shell.run_shell("(sleep 30; echo late) & echo $! > pidfile; echo early", timeout=10)
    assert result.startswith("exit code 0; background processes")
    assert "early" in result and "late" not in result
    assert time.monotonic() - started < 3
    assert await _wait_gone(int((workspace / "pidfile").read_text()))


async def test_background_job_with_redirected_output_keeps_running(workspace):
    result = await shell.run_shell("sleep 30 > /dev/null 2>&1 & echo $! > pidfile", timeout=10)
    pid = int((workspace / "pidfile").read_text())
    try:
        assert result == "exit code 0"
        assert not _gone(pid)
    finally:
        os.kill(pid, 9)


async def test_cancelling_the_call_kills_the_group(workspace):
    task = asyncio.create_task(shell.run_shell("sleep 30 & echo $! > pidfile; wait", timeout=60))
    while not (workspace / "pidfile").exists() or not (workspace / "pidfile").read_text():
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _wait_gone(int((workspace / "pidfile").read_text()))


async def test_huge_output_is_capped_while_reading(workspace):
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = await shell.run_shell("yes | head -c 50000000; echo; echo last line")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 5_000_000
    assert len(result) < shell.HEAD_BYTES + shell.TAIL_BYTES + 200
    assert "bytes of output omitted" in result
    assert result.startswith("exit code 0\ny\ny\n") and result.endswith("y\n\nlast line")


@pytest.mark.parametrize("command", [
    "ls && rm f", "ls || rm f", "ls; rm f", "ls > f", "ls < f", "$(rm f)", "`rm f`",
    "ls | rm", "ls &", "ls\nrm f", "FOO=1 rm f", "", "   ",
])
def test_is_simple_command_rejects_chaining_and_redirection(command):
    assert not shell.is_simple_command(command)


@pytest.mark.parametrize("command", ["ls -la /tmp", "git status", "pytest -q tests/x.py", "grep -n 'a b' file"])
def test_is_simple_command_accepts_plain_commands(command):
    assert shell.is_simple_command(command)


def test_always_scope_is_the_first_word_of_a_plainly_written_command():
    assert shell.always_scope("ls -la /tmp") == "ls"
    assert shell.always_scope("  git   status") == "git"
    assert shell.always_scope("grep -n 'a b' \"$HOME\"/*.py") == "grep"
    assert shell.always_scope("'my tool' --flag") is None
    assert shell.always_scope("echo 'unbalanced") is None
    assert shell.always_scope("") is None


async def test_commands_naming_a_protected_path_are_refused(workspace, tmp_path):
    home = Path(os.environ["HOME"])
    data = home / ".local" / "share" / "agentsh"
    data.mkdir(parents=True)
    with context.using(context.ToolContext.create(workspace, [data, tmp_path / "plugins"])):
        for command in (f"rm -rf {data}", "rm -rf ~/.local/share/agentsh", "ls $HOME/.local/share/agentsh/x",
                        'cat "${HOME}/.local/share/agentsh"', f"echo x > {tmp_path}/plugins/evil.py"):
            with pytest.raises(PermissionError, match="protected"):
                await shell.run_shell(command)
        assert await shell.run_shell("echo ~/.local/share/agentsh2") == f"exit code 0\n{home}/.local/share/agentsh2"
    assert data.exists()


async def test_bad_arguments_are_clear(workspace):
    with pytest.raises(ValueError, match="timeout must be"):
        await shell.run_shell("ls", timeout=0)
    with pytest.raises(ValueError, match="empty"):
        await shell.run_shell("  ")


async def test_tool_requires_approval_and_outlives_its_own_timeout():
    assert shell.run_shell.requires_approval
    assert shell.run_shell.timeout > shell.MAX_TIMEOUT
    assert "timeout" in shell.run_shell.schema()["function"]["parameters"]["properties"]


async def test_runs_through_invoke(workspace):
    assert await shell.run_shell.invoke({"command": "echo via invoke"}) == "exit code 0\nvia invoke"
