"""A stored conversation is read as a strict provider accepts it, and read from the store only when it changed.

Reading skips the repair of the well-formed part of a history (all of it, usually): what follows a
well-formed stretch is still repaired as if the whole were checked.
"""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.messages import NO_RESULT, HistoryError, Message, ToolCallPart, repaired_history, user
from agentsh.session import Session
from agentsh.store.sessions import SessionStore


def calls(*ids: str) -> Message:
    return Message(role="assistant", tool_calls=[ToolCallPart(id=i, name="calculator", arguments="{}") for i in ids])


def result(call_id: str, content: str) -> Message:
    return Message(role="tool", content=content, tool_call_id=call_id, name="calculator")


def answer(text: str) -> Message:
    return Message(role="assistant", content=text)


WELL_FORMED = [user("sum?"), calls("c1", "c2"), result("c2", "2"), result("c1", "1"), answer("1 and 2"), user("thanks")]


def call_ids(messages: list[Message]) -> list[str]:
    return [call.id for message in messages for call in message.tool_calls]


def test_a_well_formed_history_is_kept_as_it_is():
    repaired = repaired_history(WELL_FORMED)
    assert repaired == WELL_FORMED
    assert all(kept is original for kept, original in zip(repaired, WELL_FORMED, strict=True))


def test_an_id_repeated_after_a_well_formed_stretch_is_renamed_in_its_call_and_its_result():
    history = [*WELL_FORMED, calls("c1"), result("c1", "again"), answer("done")]
    repaired = repaired_history(history)
    assert call_ids(repaired) == ["c1", "c2", "c1_2"]
    assert [(m.tool_call_id, m.content) for m in repaired if m.role == "tool"] == [("c2", "2"), ("c1", "1"), ("c1_2", "again")]


def test_a_call_left_without_result_after_a_well_formed_stretch_gets_one():
    repaired = repaired_history([*WELL_FORMED, calls("c3"), answer("the result was never stored")])
    assert [(m.role, m.content) for m in repaired[-3:]] == [("assistant", ""), ("tool", NO_RESULT), ("assistant", "the result was never stored")]
    assert repaired[-2].tool_call_id == "c3"


def test_a_result_answering_no_call_after_a_well_formed_stretch_is_refused_or_left_out():
    history = [*WELL_FORMED, answer("hm"), result("c9", "stray")]
    with pytest.raises(HistoryError, match="message 7 is a tool result that answers no tool call"):
        repaired_history(history)
    assert repaired_history(history, lenient=True) == history[:-1]


def test_a_second_result_for_one_call_is_not_taken_as_well_formed():
    history = [user("sum?"), calls("c1"), result("c1", "1"), result("c1", "1 again")]
    assert repaired_history(history, lenient=True) == history[:-1]


def test_a_history_its_repair_lengthens_is_read_from_the_store_once(tmp_path):
    settings = Settings(home=tmp_path, model="offline")
    session = Session.open(settings)
    session.save_draft("written")  # the session is stored
    session.store.add_messages(session.id, [*WELL_FORMED, calls("c3")])  # as stored before calls were always answered
    reads = []
    real = SessionStore.conversation

    def counted(store: SessionStore, session_id: str):
        reads.append(session_id)
        return real(store, session_id)

    session.store.conversation = counted.__get__(session.store)  # type: ignore[method-assign]
    first, second = session.history(), session.history()
    assert first == second and first[-1].content == NO_RESULT
    assert len(reads) == 1, "the cached history is used while the store holds the same messages"
    session.store.add_messages(session.id, [answer("written by another process")])
    assert session.history()[-1].content == "written by another process"
    assert len(reads) == 2
