"""Case 40: plugins that misbehave at import or call time.

A plugin that prints (at import, in its tool, from the tool's thread, in an event hook) never
writes to agentsh's stdout: `run --json` stays JSON Lines and the text is shown as a notice. A file that sleeps at
import is skipped after IMPORT_DEADLINE with a clear notice, and the others load. `sys.exit()`,
`SystemExit` and `KeyboardInterrupt` at import are failures of that file, not of agentsh.
(`os._exit()` cannot be stopped by Python: the README says so.)
"""

from __future__ import annotations

import asyncio
import json
import time

from reliability_support import agentsh_env

from agentsh.events import Notice, ToolResult
from agentsh.plugin_loader.loader import IMPORT_DEADLINE
from agentsh.tools.tool import tool

from fakeserver import Reply
from helpers import of, send

NOISY = '''
import sys
from agentsh import on, tool
print("hello from noisy's import")
print("and on stderr", file=sys.stderr)

@tool
def noisy_tool(word: str) -> str:
    """Echo a word, chattily."""
    print("noise while running", word)
    print("more noise", file=sys.stderr)
    return f"ok {word}"

@on("tool_result")
def watch(event):
    print("hook saw", event.name)
'''
PLUGINS = {
    "noisy.py": NOISY,
    "slow.py": "import time\ntime.sleep(3600)\n",
    "exits.py": "import sys\nsys.exit(0)\n",
    "system_exit.py": "raise SystemExit(3)\n",
    "interrupts.py": "raise KeyboardInterrupt\n",
}


def test_case40_plugins_that_print_sleep_or_exit_cannot_break_run_json(agentsh, workdir, home, server):
    folder = workdir / "myplugins"
    folder.mkdir()
    for name, text in PLUGINS.items():
        (folder / name).write_text(text)
    server.enqueue(Reply(tool_calls=[{"id": "call_1", "name": "noisy_tool", "arguments": {"word": "hi"}}]), Reply(text="All done."))

    started = time.monotonic()
    result = agentsh("run", "--json", "--home", str(home), "--model", "openai/fake-model", "--plugins", str(folder), "say hi",
                     env=agentsh_env(server), timeout=120)

    assert result.returncode == 0, result.stderr.decode()
    assert time.monotonic() - started < 60, "the sleeping plugin was not waited for"
    events = [json.loads(line) for line in result.stdout.decode().splitlines()]  # every line is JSON
    notices = "\n".join(e["message"] for e in events if e["type"] == "notice")
    assert f"plugin slow.py took longer than {IMPORT_DEADLINE:g} s to import; skipped" in notices
    for name, exception in (("exits.py", "SystemExit"), ("system_exit.py", "SystemExit"), ("interrupts.py", "KeyboardInterrupt")):
        assert f"{name}: failed to load: {exception}" in notices
    assert "hello from noisy's import" in notices and "and on stderr" in notices
    assert "noisy_tool printed: noise while running hi\nmore noise" in notices
    assert "event hook watch printed: hook saw noisy_tool" in notices
    [result_event] = [e for e in events if e["type"] == "tool_result"]
    assert result_event["ok"] and result_event["output"] == "ok hi"
    assert events[-1]["type"] == "done" and events[-1]["output"] == "All done."
    assert "noise" not in result.stderr.decode() and "hello from" not in result.stderr.decode()


@tool
def chatty_a() -> str:
    """Print a lot, slowly (from its own thread)."""
    for n in range(50):
        print(f"a{n}")
        time.sleep(0.001)
    return "a done"


@tool
def chatty_b() -> str:
    """Print a lot, slowly (from its own thread)."""
    for n in range(50):
        print(f"b{n}")
        time.sleep(0.001)
    return "b done"


async def test_case40_tools_printing_at_once_in_threads_keep_their_own_output(home, capsys):
    from agentsh.models.scripted import ScriptedModel, calls

    from helpers import scripted_session

    model = ScriptedModel(calls(("chatty_a", {}), ("chatty_b", {})), "done")
    session = scripted_session(home, model, chatty_a, chatty_b)

    events = await asyncio.wait_for(send(session, "both"), 30)

    assert sorted(r.output for r in of(events, ToolResult)) == ["a done", "b done"]
    printed = {n.message.split(" printed: ")[0]: n.message.split(" printed: ")[1] for n in of(events, Notice) if " printed: " in n.message}
    assert printed == {"chatty_a": "\n".join(f"a{n}" for n in range(50)), "chatty_b": "\n".join(f"b{n}" for n in range(50))}
    assert capsys.readouterr().out == ""
