"""Case 4: the provider says the conversation no longer fits its context window.

agentsh compacts (one Compaction event: the oldest turns summarised) and retries the call
once: never a retry loop. The turn succeeds when the smaller request fits, and fails with
one clear error when even that does not.
"""

from __future__ import annotations

from agentsh.events import Compaction, Error

from fakeserver import Reply
from helpers import of, send

QUESTION = "and what should we do next?"
TOO_LONG = Reply(
    status=400, error_code="context_length_exceeded",
    error_message="This model's maximum context length is 8192 tokens. However, your messages resulted in 9100 tokens.",
)


def asks(body: dict, text: str) -> bool:
    messages = body.get("messages") or []
    return bool(messages) and messages[-1].get("role") == "user" and messages[-1].get("content") == text


async def earlier_turns(session, server, count: int = 4) -> None:
    server.default_reply = Reply(text="Noted; " + "details " * 40)
    for n in range(count):
        assert not (await send(session, f"earlier question {n}: " + "context " * 60))[-1].failed
    server.clear()


def chat_calls(server) -> list[dict]:
    """The requests that carry the user's question (not the summary requests compaction makes)."""
    return [r["body"] for r in server.requests if asks(r["body"], QUESTION)]


async def test_case04_context_window_error_compacts_and_retries_once(llm_session, server):
    session = llm_session()
    await earlier_turns(session, server)
    failures = []

    def route(body: dict):
        if asks(body, QUESTION) and not failures:
            failures.append(body)
            return TOO_LONG
        if asks(body, QUESTION):
            return Reply(text="Next, we ship it.")
        return Reply(text="Summary: four earlier questions about context.")

    server.route = route
    events = await send(session, QUESTION)

    assert len(of(events, Compaction)) == 1
    assert of(events, Error) == []
    assert not events[-1].failed and events[-1].output == "Next, we ship it."
    first, retry = chat_calls(server)  # exactly two: the failed call and one retry
    assert len(retry["messages"]) < len(first["messages"])
    assert "Summary: four earlier questions" in retry["messages"][0]["content"]
    stored = session.store.messages(session.id)
    assert stored[-1].content == "Next, we ship it." and len(stored) == 2 * 5, "compaction keeps every stored row"


async def test_case04_a_persistent_context_window_error_is_not_a_retry_loop(llm_session, server):
    session = llm_session()
    await earlier_turns(session, server)
    server.route = lambda body: TOO_LONG if asks(body, QUESTION) else Reply(text="Summary of the earlier turns.")

    events = await send(session, QUESTION)

    assert len(chat_calls(server)) == 2, "one retry after compaction, no more"
    assert len(of(events, Compaction)) <= 1
    [error] = of(events, Error)
    assert error.kind == "ContextWindowError" and "context window" in error.message and "\n" not in error.message
    assert events[-1].failed
