"""Case 41: endless and repetitive streams.

A stream that never ends is cut at the whole-answer deadline (`answer_timeout`), which
`request_timeout` does not give (it bounds the wait for each read, and chunks keep coming): a
clear error, the partial text kept, stored and marked interrupted, no retry. An answer that
repeats one chunk 150 times is still an answer: litellm's own repeated-chunk check (100 chunks)
is off, and agentsh's limits decide.
"""

from __future__ import annotations

import asyncio
import time

from agentsh.events import Error, TextDelta

from fakeserver import Reply
from helpers import of, send


async def test_case41_a_repetitive_answer_arrives_whole(llm_session, server):
    answer = "ha! " * 150
    server.enqueue(Reply(text=answer, chunk_size=4))
    session = llm_session()

    events = await send(session, "laugh")

    assert of(events, Error) == []
    assert events[-1].output == answer and not events[-1].failed
    assert server.hits == 1


async def test_case41_an_endless_stream_is_cut_at_the_answer_deadline(llm_session, server):
    server.enqueue(Reply(text="and on " * 3000, chunk_size=7, chunk_delay=0.01))  # 30 s and more: endless here
    session = llm_session(answer_timeout=2.0)

    started = time.monotonic()
    events = await asyncio.wait_for(send(session, "go on forever"), 30)
    elapsed = time.monotonic() - started

    assert 2.0 <= elapsed < 10, elapsed
    [error] = of(events, Error)
    assert error.message == "openai (openai/fake-model): the answer took longer than 2 s (answer_timeout); cut off there"
    shown = "".join(e.delta for e in of(events, TextDelta))
    assert shown.startswith("and on and on") and events[-1].failed and events[-1].output == shown
    stored = session.store.messages(session.id)
    assert [(m.role, m.interrupted) for m in stored] == [("user", False), ("assistant", True)] and stored[1].content == shown
    assert server.hits == 1, "not retried"
