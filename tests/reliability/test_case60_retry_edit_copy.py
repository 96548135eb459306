"""Case 60: /retry and /edit replace the last turn without losing it; /copy gives the answer or one code block.

Real turns through litellm against the fake server:

- /retry sends the last user message again with the replaced answer gone from the request, under the
  same session id; the replaced turn is kept whole in a fork that says so in its title;
- /retry --mode NAME / --model NAME switches first; an unknown mode changes nothing;
- /edit TEXT (spaces and quotes kept as typed) replaces the last message; /edit alone hands it to the UI;
- with no message, or while a turn runs, each says why in one line;
- /copy copies the last answer, /copy N its N-th fenced code block; a wrong N or a too-large text says why;
- the OSC 52 sequence carries the text base64-encoded: no byte of a hostile answer reaches the terminal raw.
"""

from __future__ import annotations

import asyncio
import base64

from agentsh.commands import edit_last, run_slash_command
from agentsh.terminal import CLIPBOARD_LIMIT, clipboard_sequence

from fakeserver import Reply
from helpers import send

ANSWER = "Here you go:\n\n```python\nprint('one')\n```\n\nand\n\n~~~\necho two\n~~~\n"


async def answered(session, server, text: str, answer: str) -> None:
    server.enqueue(Reply(text=answer))
    await send(session, text)


def sent_messages(server) -> list[tuple[str, str]]:
    return [(m["role"], m.get("content") or "") for m in server.last_body["messages"] if m["role"] != "system"]


async def test_case60_retry_regenerates_the_last_answer_and_keeps_the_old_one_in_a_fork(llm_session, server):
    session = llm_session()
    await answered(session, server, "first question", "first answer")
    await answered(session, server, "tell me a joke", "a bad joke")

    result = run_slash_command(session, "/retry")

    assert not result.error and result.action == "resend" and result.argument == "tell me a joke"
    await answered(session, server, result.argument, "a better joke")
    assert sent_messages(server) == [("user", "first question"), ("assistant", "first answer"), ("user", "tell me a joke")]
    assert [m.content for m in session.history()] == ["first question", "first answer", "tell me a joke", "a better joke"]
    fork_id = result.text.split("kept in session ")[1]
    fork = session.find_session(fork_id)
    assert fork.title == "first question (replaced turn)" and fork.parent_id == session.id
    assert [m.content for m in session.switch(fork_id).history()][-1] == "a bad joke"
    assert session.recent_sessions(1)[0].id == session.id, "`agentsh -c` continues the session, not the fork"


async def test_case60_the_session_stays_the_latest_even_within_one_millisecond(llm_session, server, monkeypatch):
    session = llm_session()
    await answered(session, server, "question", "answer")
    frozen = session.record.updated_at
    for module in ("agentsh.store.records", "agentsh.store.sessions", "agentsh.store.rewind"):
        monkeypatch.setattr(f"{module}.now", lambda: frozen)

    run_slash_command(session, "/retry")

    assert session.recent_sessions(1)[0].id == session.id, "`agentsh -c` would continue the fork"


async def test_case60_retry_with_another_mode_or_model_switches_first(llm_session, server):
    session = llm_session()
    await answered(session, server, "plan a trip", "ok")

    wrong = run_slash_command(session, "/retry --mode telepathy")
    assert wrong.error and "telepathy" in wrong.text
    assert session.mode == "tools" and len(session.history()) == 2, "a refused retry changes nothing"
    bad_flag = run_slash_command(session, "/retry --fast")
    assert bad_flag.error and "/retry [--mode NAME] [--model NAME]" in bad_flag.text

    result = run_slash_command(session, "/retry --mode chat")
    assert "with mode chat" in result.text and session.mode == "chat"
    assert session.history() == []


async def test_case60_edit_replaces_the_last_message_as_typed(llm_session, server):
    session = llm_session()
    await answered(session, server, "what is 2+2", "5")

    offered = run_slash_command(session, "/edit")
    assert offered.action == "edit" and offered.argument == "what is 2+2" and session.history(), "only offered: nothing replaced yet"
    result = run_slash_command(session, "/edit what is  2+2, \"exactly\"?")
    assert result.action == "resend" and result.argument == 'what is  2+2, "exactly"?'
    await answered(session, server, result.argument, "4")
    assert [m.content for m in session.history()] == ['what is  2+2, "exactly"?', "4"]


async def test_case60_nothing_to_replace_or_a_running_turn_is_one_clear_line(llm_session, server):
    session = llm_session()
    for command in ("/retry", "/edit", "/edit new text", "/copy"):
        result = run_slash_command(session, command)
        assert result.error and "\n" not in result.text and "yet" in result.text, (command, result.text)

    await answered(session, server, "first", "answer")
    server.enqueue(Reply(text="slow " * 50, chunk_size=1, chunk_delay=0.02))
    events = session.send("second")
    await events.__anext__()
    await asyncio.sleep(0.1)
    refused = run_slash_command(session, "/retry")
    assert refused.error and "a turn is running" in refused.text
    await events.aclose()


async def test_case60_copy_the_last_answer_or_one_of_its_code_blocks(llm_session, server):
    session = llm_session()
    await answered(session, server, "show me", ANSWER)

    whole = run_slash_command(session, "/copy")
    first, second = run_slash_command(session, "/copy 1"), run_slash_command(session, "/copy 2")

    assert whole.action == "copy" and whole.argument.strip() == ANSWER.strip()
    assert first.argument == "print('one')" and second.argument == "echo two"
    missing = run_slash_command(session, "/copy 3")
    assert missing.error and "has 2 code blocks" in missing.text


def test_case60_the_clipboard_sequence_is_encoded_and_bounded():
    hostile = "rm -rf ~\x1b]52;c;ZXZpbA==\x07\x1b[2J"
    sequence = clipboard_sequence(hostile)
    assert sequence.startswith("\x1b]52;c;") and sequence.endswith("\x07")
    body = sequence[len("\x1b]52;c;"):-1]
    assert "\x1b" not in body and "\x07" not in body
    assert base64.b64decode(body).decode() == hostile
    too_big = "x" * (CLIPBOARD_LIMIT + 1)
    try:
        clipboard_sequence(too_big)
    except ValueError as reason:
        assert "/export" in str(reason)
    else:
        raise AssertionError("a text too large for a terminal clipboard was accepted")


async def test_case60_edit_last_is_what_both_uis_send_an_edited_message_through(llm_session, server):
    session = llm_session()
    await answered(session, server, "draft one", "reply one")
    result = edit_last(session, "draft two")
    assert result.action == "resend" and result.argument == "draft two" and session.history() == []


async def test_case60_help_and_completion_offer_the_commands(llm_session, server):
    session = llm_session()
    await answered(session, server, "first", "answer")
    from agentsh.commands import completions

    help_text = run_slash_command(session, "/help").text
    assert all(f"/{name}" in help_text for name in ("retry", "edit", "undo", "rewind", "copy"))
    assert "↑ on an empty input" in help_text
    assert {"/retry", "/rewind"} <= set(completions(session, "/re"))
    assert completions(session, "/retry --m") == ["--mode", "--model"]
    assert completions(session, "/rewind ") == ["1"]
    assert completions(session, "/undo ") == ["--force"]
