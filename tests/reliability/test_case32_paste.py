"""Case 32: a paste in the TUI arrives whole, exactly, fast, and a large one is an attachment.

A terminal sends a paste between the bracketed-paste markers. The real app in a pseudo-terminal
gets a 3 KB paste holding colour codes, a title change, a bell, a NUL and CR line ends: the
stored message is the paste itself (CRs as line feeds, as the REPL stores it), nothing dropped
or reordered, no escape run on the screen. A 1 MB paste is named under the input within a
few seconds (it took minutes). With Pilot: a 1 MB paste is an attachment that Ctrl+X removes
and Enter sends, stored exactly; the input's splitter finds a paste whatever the read sizes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import closing

from pty_support import BOUND, Pty, wait_until
from reliability_support import MODEL, agentsh_env, connect
from textual import events

from agentsh.models.scripted import ScriptedModel
from agentsh.models.warmup import Warmup
from agentsh.tui.app import AgentshApp
from agentsh.tui.paste import END, START, PasteSplitter
from agentsh.tui.widgets.messages import UserMessage

from fakeserver import Reply
from helpers import scripted_session

ESCAPES = "\x1b[31mred\x1b[0m \x1b]0;owned\x07 \x1b[2J \x00 \x9b6n"
MEGABYTE = "".join(f"log line {i:06d} \x1b[1mbold\x1b[0m id={uuid.UUID(int=i).hex}\n" for i in range(16_000))[:1_000_000]
SIZE = (100, 32)


def three_kilobytes() -> str:
    words = [f"word{i:04d}" for i in range(400)]
    return "\r".join(" ".join(words[i : i + 20]) + f" {ESCAPES}" for i in range(0, 400, 20))


def stored_user_messages(home) -> list[str]:
    with closing(connect(home / "agentsh.db")) as db:
        return [row[0] for row in db.execute("SELECT content FROM messages WHERE role = 'user' ORDER BY seq")]


def bracketed(text: str) -> bytes:
    return (START + text + END).encode()


# the real app in a terminal -----------------------------------------------------------------------


def test_case32_a_pasted_escape_sequence_is_text_stored_exactly(workdir, home):
    paste = three_kilobytes()
    terminal = Pty(["--home", str(home), "--model", "offline"], workdir)
    try:
        terminal.wait_for(b"ready")
        terminal.write(bracketed(paste))
        terminal.wait_for(b"word0399", BOUND)
        terminal.type("\r")
        wait_until(lambda: stored_user_messages(home), "the message being stored", BOUND)
        assert stored_user_messages(home) == [paste.replace("\r", "\n")]
        assert b"\x1b]0;owned" not in terminal.output, "the pasted title change reached the terminal"
        assert "␛]0;owned␇".encode() in terminal.output
    finally:
        terminal.close()


def test_case32_a_megabyte_paste_is_taken_in_seconds_as_an_attachment(workdir, home, fake_server):
    fake_server.enqueue(Reply(text="got it"))
    terminal = Pty(["--home", str(home), "--model", MODEL], workdir, env=agentsh_env(fake_server))
    try:
        terminal.wait_for(b"ready")
        started = time.monotonic()
        terminal.write(bracketed(MEGABYTE.replace("\n", "\r")))
        terminal.wait_for(b"pasted text, 1.0 MB", BOUND)
        took = time.monotonic() - started
        terminal.type("\r")
        wait_until(lambda: stored_user_messages(home), "the message being stored", BOUND)
        assert stored_user_messages(home) == [MEGABYTE]
        assert took < 10, f"the paste took {took:.1f} s"
    finally:
        terminal.close()


# the input, with Pilot ---------------------------------------------------------------------------


async def settle(pilot, condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def test_case32_pilot_a_large_paste_is_an_attachment_sent_whole(home):
    session = scripted_session(home, ScriptedModel(default="noted"))
    app = AgentshApp(lambda: session, warmup=Warmup(needed=lambda model: False))
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        app.prompt.post_message(events.Paste("first, a paste to remove: " + MEGABYTE))
        await settle(pilot, lambda: app.prompt.attachments, "the attachment")
        await pilot.press("ctrl+x")
        assert app.prompt.attachments == [] and not app.prompt.border_subtitle
        app.prompt.set_text("summarise this:")
        started = time.monotonic()
        app.prompt.post_message(events.Paste(MEGABYTE.replace("\n", "\r\n")))
        await settle(pilot, lambda: app.prompt.attachments, "the attachment")
        took = time.monotonic() - started
        assert app.prompt.text == "summarise this:" and "pasted text, 1.0 MB" in app.prompt.border_subtitle
        sent = time.monotonic()
        await pilot.press("enter")
        await settle(pilot, lambda: not app.runner.busy and session.store.messages(session.id), "the turn")
        turn = time.monotonic() - sent
        [shown] = app.transcript.query(UserMessage)
    assert took < 2, f"the paste took {took:.1f} s"
    assert turn < 10, f"sending it took {turn:.1f} s"  # its words for memory recall took half a minute
    assert shown.source == "summarise this:\n" + MEGABYTE
    assert session.store.messages(session.id)[0].content == "summarise this:\n" + MEGABYTE


async def test_case32_pilot_a_small_paste_is_inserted_as_it_is(home):
    session = scripted_session(home, ScriptedModel(default="noted"))
    app = AgentshApp(lambda: session, warmup=Warmup(needed=lambda model: False))
    async with app.run_test(size=SIZE) as pilot:
        await asyncio.wait_for(app.history_ready.wait(), BOUND)
        app.prompt.post_message(events.Paste(ESCAPES))
        await settle(pilot, lambda: app.prompt.text, "the paste")
        assert app.prompt.text == ESCAPES and app.prompt.attachments == []
        assert app.prompt.get_line(0).plain.startswith("␛[31mred␛[0m ␛]0;owned␇")
        await pilot.press("enter")
        await settle(pilot, lambda: not app.runner.busy and session.store.messages(session.id), "the turn")
    assert session.store.messages(session.id)[0].content == ESCAPES


def test_case32_a_paste_is_found_whatever_the_terminal_reads_return():
    """Split the input at every place: keys before, the paste whole, keys after, in order."""
    paste = "a\x1b[31mb\x1b[0m\x1b[201c\x1b[20 d"  # escapes, and near-misses of the end marker
    data = "xy\x1b[A" + START + paste + END + "\x1bz"
    for cut in range(len(data) + 1):
        splitter = PasteSplitter()
        pieces = [*splitter.feed(data[:cut]), *splitter.feed(data[cut:]), splitter.flush()]
        keys = "".join(p for p in pieces if isinstance(p, str))
        pastes = [p.text for p in pieces if isinstance(p, events.Paste)]
        assert (keys, pastes) == ("xy\x1b[A\x1bz", [paste]), f"cut at {cut}"
        before = "".join(p for p in pieces[: next(i for i, p in enumerate(pieces) if not isinstance(p, str))])
        assert before == "xy\x1b[A", f"cut at {cut}: keys out of order"
