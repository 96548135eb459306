"""Case 1: two 429s with `Retry-After: 1`, then success.

The provider is asked three times, waiting as it said; the user sees one retry notice per
retry and no error; the turn succeeds and stores exactly one assistant message.
"""

from __future__ import annotations

import time

from agentsh.events import Error, Notice, TextDelta

from fakeserver import Reply
from helpers import of, send


async def test_case01_two_rate_limits_then_success(llm_session, server):
    limited = Reply(status=429, headers={"Retry-After": "1"}, error_message="Rate limit reached, retry after 1s")
    server.enqueue(limited, limited, Reply(text="Here is the answer."))
    session = llm_session(retries=3)

    started = time.monotonic()
    events = await send(session, "hello")
    waited = time.monotonic() - started

    assert server.hits == 3
    retries = [n.message for n in of(events, Notice) if "Retrying" in n.message]
    assert len(retries) == 2, "one notice for each retry"
    assert all("429" in text and "Retrying in 1.0 s" in text for text in retries), retries
    assert ["attempt 2 of 4" in retries[0], "attempt 3 of 4" in retries[1]] == [True, True]
    assert waited >= 1.9, "Retry-After was honoured (a lower bound: sleeping never takes less)"
    assert of(events, Error) == []
    assert "".join(e.delta for e in of(events, TextDelta)) == "Here is the answer."
    done = events[-1]
    assert done.type == "done" and not done.failed and done.output == "Here is the answer."
    assert done.model_calls == 1

    stored = session.store.messages(session.id)
    assert [(m.role, m.content) for m in stored] == [("user", "hello"), ("assistant", "Here is the answer.")]
    assert session.store.db.execute("SELECT status FROM turns").fetchall() == [("done",)]
