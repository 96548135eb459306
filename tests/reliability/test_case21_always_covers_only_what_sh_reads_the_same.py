"""Case 21: "always allow ls" covers only commands that /bin/sh reads exactly as agentsh does.

The attack: a directory named "ls\\u00a0" exists in the workspace; after "always" for `ls`, the model
runs `ls\\u00a0/touch pwned #'`. Python's str.split() splits on the no-break space (first word "ls"),
/bin/sh does not: it runs the script `ls\\u00a0/touch` with an argument. Every command written with
characters whose meaning to sh is not plain — unusual spaces, control characters, quotes or
escapes in the command's name, globs, expansions, comments, non-ASCII text — must be asked again.
The approval question shows those characters visibly (⟨U+00A0⟩), in the REPL and the TUI.
"""

from __future__ import annotations

import io

import pytest
from reliability_support import run_shell_call

from agentsh.events import ApprovalRequest
from agentsh.repl.render import TranscriptPrinter
from agentsh.terminal import reveal
from agentsh.tools.approval import ApprovalPolicy, Decision
from agentsh.tools.context import ToolContext, using
from agentsh.tools.executor import ToolExecutor
from agentsh.tools.registry import ToolRegistry

from helpers import load_bundled_plugin

DISGUISED = [
    "ls\u00a0/touch pwned #'",  # the reported attack: NBSP is not a separator for sh
    "ls\u000b/touch pwned", "ls\u000c/touch pwned", "ls\u2028/touch pwned", "ls\u200b/touch pwned",
    "ls\u3000/touch pwned", "ls\t/touch pwned", "ｌｓ", "l\u0455", "ls\u202e",
    "l\\s", "'ls' -la", '"ls"', "ls'' -la", "ls\\ x", "ls #", "ls -la # comment",
    "l? -la", "l* -la", "l[s] -la", "{ls,-la}", "~/ls", "$LS -la", "${LS} -la", "ls 'unbalanced",
    "ls (x)", "ls !x",
]


@pytest.fixture
def executor(tmp_path):
    with using(ToolContext.create(tmp_path)):
        yield ToolExecutor(ToolRegistry([load_bundled_plugin("shell").run_shell]), ApprovalPolicy("ask"))


run = run_shell_call


async def test_case21_always_for_ls_does_not_run_a_script_behind_a_no_break_space(executor, tmp_path):
    trap = tmp_path / "ls\u00a0"
    trap.mkdir()
    (trap / "touch").write_text("#!/bin/sh\ntouch \"$@\"\n")
    (trap / "touch").chmod(0o755)
    asked, output = await run(executor, "ls", Decision.ALWAYS)
    assert len(asked) == 1 and asked[0].always_covers == "ls" and output.startswith("exit code 0")

    asked, output = await run(executor, "ls\u00a0/touch pwned #'", Decision.DENY)
    assert len(asked) == 1, "ran without asking"
    assert asked[0].always_covers is None and "denied" in output
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("command", DISGUISED)
async def test_case21_a_disguised_command_is_asked_every_time_and_always_is_not_offered(executor, command):
    await run(executor, "ls", Decision.ALWAYS)
    asked, _output = await run(executor, command, Decision.ALWAYS)
    assert len(asked) == 1 and asked[0].always_covers is None, command
    asked, _ = await run(executor, command, Decision.DENY)
    assert len(asked) == 1, "an 'always' answer on a disguised command was remembered"


@pytest.mark.parametrize("command", ["ls -la", "ls  -la ./src", "ls -- 'a b' \"$HOME\" *.py {a,b} ~/x"])
async def test_case21_plainly_written_commands_are_still_covered(executor, command):
    await run(executor, "ls", Decision.ALWAYS)
    asked, _ = await run(executor, command, Decision.DENY)
    assert asked == [], command


def test_case21_the_approval_question_shows_invisible_and_look_alike_characters():
    request = ApprovalRequest(id="c1", name="run_shell", arguments={"command": "ls\u00a0/touch pwned #'"}, always_covers=None)
    screen = io.StringIO()
    TranscriptPrinter(screen).show(request)
    assert "ls⟨U+00A0⟩/touch pwned" in screen.getvalue()
    assert reveal("l\u0455\u200b\u202e\u000b\u000cｌ") == "l⟨U+0455⟩⟨U+200B⟩⟨U+202E⟩⟨U+000B⟩⟨U+000C⟩⟨U+FF4C⟩"
    assert reveal("ls -la 中文 ⚙\tx\n") == "ls -la 中文 ⚙\tx\n"
