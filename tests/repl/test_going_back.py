"""Going back in the REPL: /retry, /edit (the last message in the input to edit), /undo, /copy (OSC 52)."""

from __future__ import annotations

import base64
import os

from prompt_toolkit.data_structures import Size
from prompt_toolkit.output.vt100 import Vt100_Output

from agentsh.models.scripted import ScriptedModel, calls
from agentsh.repl.prompt import PromptTerminal

from conftest import until
from helpers import scripted_session


async def test_retry_prints_a_new_answer_and_replaces_the_turn(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel("a bad joke", "a better joke")))
    await repl.submit("tell me a joke")

    printed = await repl.submit("/retry")

    assert "retrying your last message" in printed and "a better joke" in printed
    assert [m.content for m in repl.session.history()] == ["tell me a joke", "a better joke"]


async def test_edit_puts_the_last_message_in_the_input_and_sending_replaces_the_turn(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel("5", "4")))
    await repl.submit("what is 2+2")
    count = repl.prompts

    repl.send("/edit\r")
    await until(lambda: repl.terminal.prompt.default_buffer.text == "what is 2+2", what="the last message in the input")
    repl.send(" exactly\r")
    await repl.at_prompt(count + 1)

    assert "replaced your last message" in repl.text
    assert [m.content for m in repl.session.history()] == ["what is 2+2 exactly", "4"]


async def test_undo_after_a_file_write_restores_the_file(home, drive, tmp_path, monkeypatch):
    from helpers import load_bundled_plugin

    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "a.txt").write_text("before\n")
    monkeypatch.chdir(workspace)
    files = load_bundled_plugin("files")
    model = ScriptedModel(calls(("write_file", {"path": "a.txt", "content": "after\n"})), "Written.")
    repl = await drive(scripted_session(home, model, files.write_file, approval="auto"))
    await repl.submit("change a.txt")
    assert (workspace / "a.txt").read_text() == "after\n"

    printed = await repl.submit("/undo")

    assert "undid the file changes of turn 1: restored a.txt" in printed
    assert (workspace / "a.txt").read_text() == "before\n"


async def test_copy_on_a_screen_that_is_not_a_terminal_says_so(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel("copy me")))
    await repl.submit("say something")

    printed = await repl.submit("/copy")

    assert "not copied: the output is not a terminal" in printed


def test_copy_writes_the_osc_52_sequence_to_the_terminal(home, pipe):
    reader, writer = os.openpty()
    try:
        with os.fdopen(writer, "w", closefd=False) as screen:
            terminal = PromptTerminal(
                home / "history", session=lambda: None, status=lambda: "", keyboard=pipe,
                screen=Vt100_Output(screen, lambda: Size(24, 80), term="xterm"),
            )
            terminal.copy("hello, clipboard")
        written = read_until(reader, b"\x07")
    finally:
        os.close(reader)
        os.close(writer)
    assert b"\x1b]52;c;" + base64.b64encode(b"hello, clipboard") + b"\x07" in written


def read_until(reader: int, end: bytes, timeout: float = 5.0) -> bytes:
    """What the terminal got, up to `end` (a pty hands it over in as many pieces as it likes)."""
    import select

    written = b""
    while end not in written and select.select([reader], [], [], timeout)[0]:
        written += os.read(reader, 4096)
    return written
