"""`parallel` mode: branches run at once; answers merged in declared order, or voted on."""

from __future__ import annotations

import time

from agentsh.config import Settings
from agentsh.errors import ModelError
from agentsh.events import Notice, Step, TextDelta
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session

from helpers import done, of, send

DELAYS = {"researcher": 0.3, "coder": 0.2, "writer": 0.1}  # the first branch is the slowest


def open_session(home, model: ScriptedModel, **settings) -> Session:
    session = Session.open(Settings(home=home, model="offline", mode="parallel", **settings))
    session.model = model
    return session


def agent_of(request) -> str:
    return next(name for name, p in BUNDLED_PROFILES.items() if request.messages[0].content == p.system_prompt)


def is_aggregation(request) -> bool:
    return "answered it independently" in request.messages[-1].content


def branches_then(aggregation):
    def reply(request):
        if is_aggregation(request):
            return aggregation
        name = agent_of(request)
        return Reply(text=f"{name.upper()}-ANSWER", delay=DELAYS[name])

    return reply


async def test_answers_are_merged_in_declared_order_and_branches_run_concurrently(home):
    model = ScriptedModel(default=branches_then("Merged answer."))
    session = open_session(home, model)

    started = time.monotonic()
    events = await send(session, "compare the options")
    elapsed = time.monotonic() - started

    assert elapsed < 0.5  # the delays add up to 0.6 s: the branches overlapped
    branches = {agent_of(r): r for r in model.requests if not is_aggregation(r)}
    assert branches["writer"].finished < branches["coder"].finished < branches["researcher"].finished
    [aggregation] = [r for r in model.requests if is_aggregation(r)]
    assert aggregation.messages[0].content == BUNDLED_PROFILES["writer"].system_prompt
    text = aggregation.messages[-1].content
    assert "compare the options" in text
    assert text.index("RESEARCHER-ANSWER") < text.index("CODER-ANSWER") < text.index("WRITER-ANSWER")

    steps = of(events, Step)
    assert [(s.title, s.status) for s in steps if s.kind == "branch" and s.status == "running"] == [
        ("researcher", "running"), ("coder", "running"), ("writer", "running")
    ]
    finished = {s.title: s.data["answer"] for s in steps if s.kind == "branch" and s.status == "done"}
    assert finished == {"researcher": "RESEARCHER-ANSWER", "coder": "CODER-ANSWER", "writer": "WRITER-ANSWER"}
    assert [(s.title, s.status) for s in steps if s.kind == "aggregate"] == [("merge", "running"), ("merge", "done")]
    streamed = {name: "".join(e.delta for e in of(events, TextDelta) if e.agent == name) for name in DELAYS}
    assert streamed == {"researcher": "RESEARCHER-ANSWER", "coder": "CODER-ANSWER", "writer": "WRITER-ANSWER"}
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "Merged answer."
    assert done(events).output == "Merged answer."
    assert [m.content for m in session.history()] == ["compare the options", "Merged answer."]


async def test_vote_picks_one_branch_answer(home):
    def reply(request):
        if request.response_format is not None:
            assert "CODER-ANSWER" in request.messages[-1].content
            return '{"reason": "it has code", "choice": "coder"}'
        return f"{agent_of(request).upper()}-ANSWER"

    model = ScriptedModel(default=reply)
    session = open_session(home, model, modes={"parallel": {"aggregate": "vote"}})

    events = await send(session, "which is best?")

    [vote] = [s for s in of(events, Step) if s.kind == "aggregate" and s.status == "done"]
    assert (vote.data["choice"], vote.data["reason"], vote.data["fallback"]) == ("coder", "it has code", False)
    assert done(events).output == "CODER-ANSWER"
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent is None) == "CODER-ANSWER"
    assert len(model.requests) == 4


async def test_an_invalid_vote_falls_back_to_the_first_branch(home):
    def reply(request):
        if request.response_format is not None:
            return '{"choice": "nobody"}'
        return f"{agent_of(request).upper()}-ANSWER"

    model = ScriptedModel(default=reply)
    session = open_session(home, model, modes={"parallel": {"aggregate": "vote", "branches": ["coder", "writer"]}})

    events = await send(session, "which?")

    votes = [r for r in model.requests if r.request.response_format is not None]
    assert len(votes) == 3
    assert "'coder' or 'writer'" in votes[1].messages[-1].content
    assert [s for s in of(events, Step) if s.kind == "aggregate"][-1].data["fallback"] is True
    assert done(events).output == "CODER-ANSWER"


async def test_a_failed_branch_is_left_out(home):
    def reply(request):
        if is_aggregation(request):
            assert "CODER-ANSWER" not in request.messages[-1].content
            return "Merged from the rest."
        if agent_of(request) == "coder":
            raise ModelError("coder's provider is down")
        return f"{agent_of(request).upper()}-ANSWER"

    model = ScriptedModel(default=reply)
    session = open_session(home, model)

    events = await send(session, "go")

    [failed] = [s for s in of(events, Step) if s.status == "failed"]
    assert failed.title == "coder" and "provider is down" in failed.data["error"]
    assert any("coder failed" in n.message for n in of(events, Notice))
    assert done(events).output == "Merged from the rest."
    assert not done(events).failed
