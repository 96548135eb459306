"""An "always allow" answer for the shell covers one command prefix, never chained or redirected commands."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agentsh.agent.approval import ApprovalPolicy, Decision
from agentsh.events import ApprovalRequest
from agentsh.messages import ToolCallPart
from agentsh.tools.context import set_workspace
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry

SHELL = Path(__file__).parents[2] / "plugins" / "shell.py"


@pytest.fixture
def shell_tool(tmp_path):
    set_workspace(tmp_path)
    spec = importlib.util.spec_from_file_location("shell_plugin_for_scopes", SHELL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run_shell


async def run(executor: ToolExecutor, command: str, answer: Decision) -> tuple[list[ApprovalRequest], str]:
    asked: list[ApprovalRequest] = []

    def emit(event):
        if isinstance(event, ApprovalRequest):
            asked.append(event)
            event.decision.set_result(answer)

    call = ToolCallPart(id="c1", name="run_shell", arguments=f'{{"command": "{command}"}}')
    [result] = await executor.run([call], emit)
    return asked, result.output


@pytest.mark.parametrize("chained", ["echo hi && rm f", "echo hi; rm f", "echo hi > f", "echo $(rm f)", "echo `rm f`", "echo hi | rm f"])
async def test_always_for_a_simple_command_never_covers_a_chained_one(shell_tool, chained):
    executor = ToolExecutor(ToolRegistry([shell_tool]), ApprovalPolicy("ask"))
    asked, output = await run(executor, "echo hi", Decision.ALWAYS)
    assert len(asked) == 1 and asked[0].always_covers == "echo" and "hi" in output
    asked, _ = await run(executor, "echo again", Decision.DENY)
    assert asked == []  # the same prefix is now allowed without asking
    asked, output = await run(executor, chained, Decision.DENY)
    assert len(asked) == 1 and asked[0].always_covers is None
    assert "denied" in output


async def test_always_on_a_chained_command_is_only_once(shell_tool):
    executor = ToolExecutor(ToolRegistry([shell_tool]), ApprovalPolicy("ask"))
    await run(executor, "echo a && echo b", Decision.ALWAYS)
    asked, _ = await run(executor, "echo a && echo b", Decision.DENY)
    assert len(asked) == 1
