"""`react` compacts its scratchpad as the tools loop compacts its history.

The scratchpad (the conversation rendered as Thought/Action/Observation text, then this turn's
exchange) used to be outside the history that compaction shortens: a long one grew past the
context budget and the provider refused it ("longer than the model's context window"). Now a
request over the budget compacts the history, and the scratchpad leaves out what the summary
stands for; a context-window refusal compacts harder and the call is made once more.
"""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.errors import ContextWindowError
from agentsh.events import Compaction, Error
from agentsh.memory.compaction import SUMMARY_PROMPT
from agentsh.messages import system
from agentsh.models.base import estimate_tokens
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.modes.react import _system_prompt
from agentsh.session import Session
from agentsh.tools.tool import tool

from fakeserver import Reply as ServerReply
from helpers import done, of, send

PAGE = "lorem ipsum dolor sit amet " * 45  # ~1200 characters: ~300 tokens an observation
PAGES = 6
ROOM = 900  # tokens of conversation the budget leaves besides the system prompt
SUMMARY = "SUMMARY: pages 1 to 3 were read; they were all lorem ipsum."
FINAL = "Thought: I have read them all.\nFinal Answer: Every page is lorem ipsum."


@tool
def read_page(number: int) -> str:
    """Read one page of the manual."""
    return f"page {number}: {PAGE}"


def action(number: int) -> str:
    return f'Thought: next page.\nAction: read_page\nAction Input: {{"number": {number}}}'


def open_session(home, model, budget: int | None = None) -> Session:
    context = {"budget_tokens": budget} if budget else {}
    session = Session.open(Settings(home=home, model="offline", mode="react", context=context, memory={"consolidate": False}))
    session.model = model
    session.registry.add(read_page)
    return session


def budget_for(home) -> int:
    probe = open_session(home, ScriptedModel())
    prompt = _system_prompt([system(probe.settings.system_prompt)], probe.registry.schemas())
    return estimate_tokens([system(prompt)]) + ROOM


def is_summary(request) -> bool:
    return request.messages[0].content == SUMMARY_PROMPT


def reader(window: int):
    """A model that reads PAGES pages, one per step, then answers; a request over `window` tokens it refuses."""
    steps = []

    def reply(request):
        if is_summary(request):
            return Reply(SUMMARY)
        if estimate_tokens(request.messages) > window:
            raise ContextWindowError("the conversation is longer than the model's context window")
        steps.append(request)
        return Reply(action(len(steps)) if len(steps) <= PAGES else FINAL)

    return reply


async def test_a_long_scratchpad_is_compacted_and_the_turn_answers(home):
    budget = budget_for(home)
    model = ScriptedModel(default=reader(window=budget + 200))
    session = open_session(home, model, budget)

    events = await send(session, "read the whole manual")

    assert of(events, Error) == []
    assert not done(events).failed and done(events).output == "Every page is lorem ipsum."
    assert of(events, Compaction), "the scratchpad outgrew the budget but was never compacted"
    turns = [log.request for log in model.requests if not is_summary(log.request)]
    assert all(estimate_tokens(r.messages) <= budget for r in turns), [estimate_tokens(r.messages) for r in turns]
    last = turns[-1].messages
    assert SUMMARY in last[0].content and last[1].role == "user"
    assert "page 6:" in last[-1].content and not any("page 1:" in m.content for m in last[1:])
    stored = session.store.messages(session.id)
    assert sum(m.role == "tool" for m in stored) == PAGES, "compaction keeps every stored row"


async def test_a_context_window_refusal_compacts_the_scratchpad_and_asks_once_more(home):
    window = budget_for(home)  # what the provider accepts; agentsh's own budget is far larger
    model = ScriptedModel(default=reader(window=window))
    session = open_session(home, model, budget=100_000)

    events = await send(session, "read the whole manual")

    assert of(events, Error) == [] and not done(events).failed
    assert done(events).output == "Every page is lorem ipsum." and of(events, Compaction)


async def test_react_through_litellm_compacts_when_the_provider_says_the_context_is_full(home, fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    window_chars = budget_for(home) * 4
    steps = []

    def route(body: dict) -> ServerReply:
        messages = body["messages"]
        if messages[0]["content"] == SUMMARY_PROMPT:
            return ServerReply(text=SUMMARY)
        if sum(len(m.get("content") or "") for m in messages) > window_chars:
            return ServerReply(status=400, error_code="context_length_exceeded",
                               error_message="This model's maximum context length is 2048 tokens. However, your messages resulted in 3100 tokens.")
        steps.append(body)
        return ServerReply(text=action(len(steps)) if len(steps) <= PAGES else FINAL)

    fake_server.route = route
    session = Session.open(Settings(home=home, model="openai/fake-model", mode="react", retries=0, memory={"consolidate": False}))
    session.registry.add(read_page)

    events = await send(session, "read the whole manual")

    assert of(events, Error) == [], of(events, Error)
    assert done(events).output == "Every page is lorem ipsum." and of(events, Compaction)
    assert len(steps) == PAGES + 1
