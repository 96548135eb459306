"""Ctrl+C during a stream, Ctrl+C and Ctrl+D at the prompt, multi-line input, history, completion."""

from __future__ import annotations

import asyncio
import time

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from agentsh.config import Settings
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.repl.prompt import SlashCompleter
from agentsh.session import Session

from conftest import until
from helpers import scripted_session

SLOW = Reply("word " * 400, chunk=5, pause=0.02)  # about 8 s if nothing stops it


async def test_ctrl_c_stops_a_streaming_turn_within_a_second_and_keeps_the_partial(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel(SLOW, "the next answer")))
    repl.send("tell me everything\r")
    await repl.wait_for_text("word word word")

    pressed = time.monotonic()
    repl.send("\x03")
    await repl.at_prompt(2)

    assert time.monotonic() - pressed < 1.0
    assert "■ interrupted: the partial answer is kept" in repl.text
    answer = repl.session.history()[-1]
    assert answer.role == "assistant" and answer.interrupted and answer.content.startswith("word word")
    assert len(answer.content) < len(SLOW.text)
    statuses = [row["status"] for row in repl.session.store.db.query("SELECT status FROM turns WHERE session_id = ?", [repl.session.id])]
    assert statuses == ["interrupted"]
    assert "the next answer" in await repl.submit("go on")


async def test_keys_typed_during_a_turn_wait_for_the_next_prompt(home, drive):
    model = ScriptedModel(Reply("slow answer " * 10, chunk=6, pause=0.01), "second answer")
    repl = await drive(scripted_session(home, model))
    repl.send("first\r")
    await repl.wait_for_text("slow answer")
    repl.send("second question\r")  # typed while the first answer streams

    await repl.wait_for_text("second answer")
    assert [r.messages[-1].content for r in model.requests] == ["first", "second question"]
    assert "second question" not in repl.text.split("second answer")[0].split("slow answer", 1)[1]  # never echoed into the stream


async def test_ctrl_c_at_the_prompt_clears_the_line_and_ctrl_d_quits(home, drive):
    model = ScriptedModel(default="ok")
    repl = await drive(scripted_session(home, model))

    buffer = repl.terminal.prompt.default_buffer
    repl.send("half a thought")
    await until(lambda: buffer.text == "half a thought", what="typing")
    repl.send("\x03")
    await until(lambda: buffer.text == "" and repl.terminal.waiting_for == "prompt", what="a cleared line")
    repl.send("text\x04")  # Ctrl+D on a line with text does not quit
    await until(lambda: buffer.text == "text", what="typing")
    await asyncio.sleep(0.05)
    assert not repl.task.done()
    repl.send("\x03")
    await until(lambda: buffer.text == "" and repl.terminal.waiting_for == "prompt", what="a cleared line")
    started = time.monotonic()
    assert await repl.quit() == 0
    assert time.monotonic() - started < 1.0
    assert model.requests == []
    assert not repl.session.persisted  # nothing was said: no session left behind


async def test_escape_enter_adds_a_newline_and_enter_sends(home, drive):
    model = ScriptedModel(default="ok")
    repl = await drive(scripted_session(home, model))

    await repl.submit("first line\x1b\rsecond line")

    assert model.requests[0].messages[-1].content == "first line\nsecond line"


async def test_history_is_kept_across_two_runs(home, pipe, drive):
    history = home / "repl_history"
    first = await drive(Session.open(Settings(home=home, model="offline")), history)
    await first.submit("pineapple from the first run")
    assert await first.quit() == 0
    assert "pineapple from the first run" in history.read_text()

    second = await drive(Session.open(Settings(home=home, model="offline")), history)
    await asyncio.sleep(0.05)  # prompt-toolkit loads the history file in the background
    second.send("\x1b[A")  # Up: the previous run's line
    await until(lambda: second.terminal.prompt.default_buffer.text == "pineapple from the first run", what="history recall")
    printed = await second.submit("")
    assert "You said: pineapple from the first run" in printed


async def test_tab_completes_commands_and_their_arguments(home, drive):
    repl = await drive(scripted_session(home, ScriptedModel(default="ok")))
    buffer = repl.terminal.prompt.default_buffer

    repl.send("/mode pla")
    await until(lambda: buffer.text == "/mode pla", what="typing")
    repl.send("\t")
    await until(lambda: buffer.text == "/mode planner", what="completion")
    await repl.submit("")
    assert repl.session.mode == "planner"


def test_the_completer_offers_names_with_summaries_then_arguments(home):
    session = Session.open(Settings(home=home, model="offline"))
    completer = SlashCompleter(lambda: session)

    def complete(text: str):
        return list(completer.get_completions(Document(text), CompleteEvent()))

    names = complete("/mo")
    assert [c.text for c in names] == ["/mode", "/model"]
    assert names[0].start_position == -3 and "orchestration mode" in names[0].display_meta_text
    modes = complete("/mode p")
    assert {c.text for c in modes} == {"pipeline", "planner", "parallel"}
    assert all(c.start_position == -1 for c in modes)
    assert complete("hello /mo") == [] and complete("/mode x\nmore") == []
