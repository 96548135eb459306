"""Case 3: a stream that stops after a few chunks without a finish reason, and one that stalls.

The partial text is kept (stored, marked interrupted), an error event follows, the turn ends
within a bound (nothing hangs), it is not retried once text was shown, and the session goes on.
"""

from __future__ import annotations

import asyncio

import pytest

from agentsh.events import Error, TextDelta

from fakeserver import Reply
from helpers import of, send

ANSWER = "The answer is forty-two, and here is why it is so."
BOUND = 10.0  # seconds: far above the 0.5 s idle timeout, far below the server's 30 s stall

BROKEN = {
    "cut-clean": Reply(text=ANSWER, chunk_size=4, cut_after=3, cut_mode="clean"),
    "cut-abrupt": Reply(text=ANSWER, chunk_size=4, cut_after=3, cut_mode="abrupt"),
    "stall": Reply(text=ANSWER, chunk_size=4, stall_after=3, stall_seconds=30),
}


@pytest.mark.parametrize("kind", BROKEN)
async def test_case03_partial_text_kept_and_marked_then_an_error(llm_session, server, kind):
    server.enqueue(BROKEN[kind], Reply(text="not asked: text was already shown"))
    session = llm_session(stream_idle_timeout=0.5)

    events = await asyncio.wait_for(send(session, "why?"), BOUND)

    shown = "".join(e.delta for e in of(events, TextDelta))
    assert shown == ANSWER[:12]
    [error] = of(events, Error)
    assert error.kind == "ModelStreamError" and "\n" not in error.message
    assert ("stalled" if kind == "stall" else "before the model finished") in error.message
    assert events.index(error) > max(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    done = events[-1]
    assert done.failed and done.output == shown
    assert server.hits == 1, "not retried once text was shown"

    stored = session.store.messages(session.id)
    assert [(m.role, m.content, m.interrupted) for m in stored] == [("user", "why?", False), ("assistant", shown, True)]
    assert session.store.db.execute("SELECT status FROM turns").fetchall() == [("failed",)]

    server.clear()
    server.enqueue(Reply(text="fine now"))
    events = await asyncio.wait_for(send(session, "again"), BOUND)
    assert not events[-1].failed and events[-1].output == "fine now"
    assert [m["content"] for m in server.last_body["messages"][1:]] == ["why?", shown, "again"]
