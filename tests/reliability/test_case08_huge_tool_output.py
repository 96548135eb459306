"""Case 8: 10 MB of tool output is truncated to its head and tail with a marker, and memory stays bounded.

What the model is sent, what is stored and what the UIs get is the truncated text. A shell
command's output is cut while it is read, so its 10 MB never sit in memory; a Python tool's
10 MB string is not copied around the turn.
"""

from __future__ import annotations

import tracemalloc

import pytest

from agentsh.events import ToolResult
from agentsh.store.db import DB_FILENAME

from fakeserver import Reply
from helpers import of, send

TEN_MB = 10_000_000
LINE = 100
PLUGIN = f'''
from agentsh import tool


@tool
def dump_log() -> str:
    """Return the whole build log."""
    return "".join(f"line {{i:07d}} " + "x" * {LINE - 14} + "\\n" for i in range({TEN_MB // LINE}))
'''
SHELL = f"yes 'a line of shell output' | head -c {TEN_MB}; echo; echo LAST-LINE"

CASES = {
    # tool call, head and tail of the output, marker, peak traced memory allowed during the turn
    "python-tool": ({"name": "dump_log", "arguments": {}}, "line 0000000 ", "line 0099999 " + "x" * 86, "characters truncated", 30_000_000),
    "shell": (
        {"name": "run_shell", "arguments": {"command": SHELL}},
        "exit code 0\na line of shell output\n", "a line of shel\nLAST-LINE", "bytes of output omitted", 8_000_000,
    ),
}


@pytest.mark.parametrize("kind", CASES)
async def test_case08_ten_megabytes_of_output_are_cut_to_head_and_tail(llm_session, server, home, tmp_path, kind):
    call, head, tail, marker, memory_bound = CASES[kind]
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "big.py").write_text(PLUGIN)
    server.enqueue(Reply(text="warm-up"), Reply(tool_calls=[call]), Reply(text="The log is long; it ends with the last line."))
    session = llm_session(approval="auto", plugin_dirs=[plugins])
    await send(session, "hello")  # litellm loads its tokenizer tables on first use: not this case's memory

    tracemalloc.start()
    try:
        events = await send(session, "show me the log")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert not events[-1].failed
    [result] = of(events, ToolResult)
    output = result.output
    assert result.ok and marker in output
    assert output.startswith(head) and output.rstrip("\n").endswith(tail)
    assert len(output) <= 21_000
    omitted = int(output.split(marker)[0].rsplit("[", 1)[1].split()[0].replace(",", ""))
    assert omitted > TEN_MB - 50_000, "the marker says how much was left out"
    sent = [m["content"] for m in server.requests[-1]["body"]["messages"] if m["role"] == "tool"]
    assert sent == [output], "the model is sent the truncated text"
    assert len(str(server.requests[-1]["body"])) < 100_000
    assert session.store.messages(session.id)[4].content == output
    stored = sum(p.stat().st_size for p in home.glob(DB_FILENAME + "*"))
    assert stored < 2_000_000, "the database holds the truncated text only"
    assert peak < memory_bound, f"peak {peak:,} bytes"
