"""Case 17: an "always allow" answer for the shell covers one command prefix, and never a chained,
piped, redirected or substituted command (`ls && rm f`, `ls; rm f`, `ls > f`, `$(rm f)`, backticks, pipes).

First through the executor with the real shell tool, then end to end: a Session whose model
(the fake server) follows an allowed `ls` with chained commands that would delete a file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import run_shell_call

from agentsh.events import ApprovalRequest, ToolResult
from agentsh.tools.approval import ApprovalPolicy, Decision
from agentsh.tools.context import ToolContext, using
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry

from fakeserver import Reply
from helpers import load_bundled_plugin

CHAINED = [
    "ls && rm f", "ls || rm f", "ls; rm f", "ls & rm f", "ls\nrm f", "ls > f", "ls >> f", "ls < f", "ls $(rm f)",
    "$(rm f)", "ls `rm f`", "`rm f`", "ls | xargs rm", "ls |& tee f", "ls <(rm f)", "LD_PRELOAD=./evil.so ls",
]


@pytest.fixture
def shell_tool(tmp_path):
    with using(ToolContext.create(tmp_path)):
        yield load_bundled_plugin("shell").run_shell


run = run_shell_call


@pytest.mark.parametrize("chained", CHAINED)
async def test_case17_always_for_a_simple_command_never_covers_a_chained_one(shell_tool, chained):
    executor = ToolExecutor(ToolRegistry([shell_tool]), ApprovalPolicy("ask"))
    asked, output = await run(executor, "ls", Decision.ALWAYS)
    assert len(asked) == 1 and asked[0].always_covers == "ls" and output.startswith("exit code 0")
    asked, _ = await run(executor, "ls -la", Decision.DENY)
    assert asked == []  # the same prefix is now allowed without asking
    asked, output = await run(executor, chained, Decision.DENY)
    assert len(asked) == 1 and asked[0].always_covers is None
    assert "denied" in output


async def test_case17_the_prefix_is_the_whole_first_word(shell_tool):
    executor = ToolExecutor(ToolRegistry([shell_tool]), ApprovalPolicy("ask"))
    await run(executor, "ls", Decision.ALWAYS)
    for other in ("lsblk", "ls2 -a", "/bin/ls", "l"):
        asked, _ = await run(executor, other, Decision.DENY)
        assert len(asked) == 1, other


async def test_case17_always_on_a_chained_command_is_only_once(shell_tool):
    executor = ToolExecutor(ToolRegistry([shell_tool]), ApprovalPolicy("ask"))
    await run(executor, "echo a && echo b", Decision.ALWAYS)
    asked, _ = await run(executor, "echo a && echo b", Decision.DENY)
    assert len(asked) == 1


async def test_case17_end_to_end_an_allowed_ls_never_lets_a_chained_rm_through(llm_session, server, workdir):
    victim = workdir / "f"
    victim.write_text("keep me")
    calls = [{"id": "first", "name": "run_shell", "arguments": {"command": "ls"}}]
    server.enqueue(Reply(tool_calls=calls))
    for number, command in enumerate(["ls -la", *CHAINED]):
        server.enqueue(Reply(tool_calls=[{"id": f"call {number}", "name": "run_shell", "arguments": {"command": command}}]))
    server.enqueue(Reply(text="All done."))
    session = llm_session(max_steps=len(CHAINED) + 5)

    asked: list[ApprovalRequest] = []
    results: dict[str, ToolResult] = {}
    async for event in session.send("tidy up"):
        if isinstance(event, ApprovalRequest):
            asked.append(event)
            event.decision.set_result(Decision.ALWAYS if event.id == "first" else Decision.DENY)
        elif isinstance(event, ToolResult):
            results[event.id] = event

    assert [a.id for a in asked] == ["first", *[f"call {n + 1}" for n in range(len(CHAINED))]], "ls -la ran unasked"
    assert all(a.always_covers is None for a in asked[1:])
    assert results["call 0"].ok and "f" in results["call 0"].output
    assert all("denied" in results[f"call {n + 1}"].output for n in range(len(CHAINED)))
    assert victim.read_text() == "keep me"
    assert not Path(workdir / "evil.so").exists()
