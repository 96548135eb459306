"""Case 52: an answer that is only the model's stop string (no text, no tool calls) is never a success.

A small model on a CPU server sometimes answers with nothing at all. agentsh took that as an
answer: the planner and debate ended with `"output": ""` and exit 0, and an empty parallel
branch counted as done. Now the turn's own empty answer is an error event (the turn fails,
`agentsh run` exits 1, nothing retried behind the user's back); a sub-agent's (a planner task,
a debater, a branch, a worker, a subscriber) is asked once more, with a notice, and an empty
answer again is that agent's failure, handled as the mode handles a failed agent. A structured
decision answered with nothing is an invalid answer, asked again as any other.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace

from reliability_support import MODEL

from agentsh.events import Error, Notice, Step

from fakeserver import PROFILES, Reply
from helpers import of, send

EMPTY = "gave an empty answer (no text and no tool calls: only its stop string)"
PLAN = json.dumps({"goal": "answer", "tasks": [{"id": "t1", "description": "work it out", "depends_on": [], "agent": "assistant"}]})
STARTS = {
    "assistant": "You are a capable, concise assistant", "researcher": "You are a careful researcher",
    "coder": "You are an expert programmer", "writer": "You are a clear writer", "moderator": "You moderate a debate",
    "supervisor": "You manage a team",
}


def kind(body: dict) -> str:
    """What a request is for: a decision, a merge, a synthesis, or the agent profile whose system prompt it carries."""
    messages = body.get("messages") or []
    last = messages[-1].get("content") or ""
    if body.get("response_format"):
        return "decision"
    if "answered it independently" in last:
        return "merge"
    if "Results of the work done" in last:
        return "synthesis"
    system = messages[0].get("content") or ""
    return next((name for name, start in STARTS.items() if system.startswith(start)), "other")


class Script:
    """The fake server's route: each kind of request gets its replies in turn, the last one again and again."""

    def __init__(self, **replies: list) -> None:
        self.replies = replies
        self.asked: dict[str, int] = defaultdict(int)

    def __call__(self, body: dict) -> Reply:
        name = kind(body)
        queue = self.replies.get(name) or [f"{name} answer"]
        item = queue[min(self.asked[name], len(queue) - 1)]
        self.asked[name] += 1
        return item if isinstance(item, Reply) else Reply(text=item)


def warnings(events: list) -> list[str]:
    return [n.message for n in of(events, Notice) if n.level == "warning"]


async def test_case52_the_turns_own_empty_answer_is_asked_once_more_with_a_notice(llm_session, server):
    server.profile = PROFILES["stop-string"]  # only the first answer is empty
    server.default_reply = Reply(text="Here it is.")
    session = llm_session()

    events = await send(session, "hello?")

    assert of(events, Error) == []
    assert any("gave an empty answer; asking once more" in w for w in warnings(events))
    assert not events[-1].failed and events[-1].output == "Here it is."
    assert server.hits == 2


async def test_case52_the_turns_own_answer_empty_twice_is_an_error_event(llm_session, server):
    server.profile = replace(PROFILES["stop-string"], empty_answers=2)
    server.default_reply = Reply(text="not asked")
    session = llm_session()

    events = await send(session, "hello?")

    [error] = of(events, Error)
    assert error.kind == "EmptyAnswerError" and EMPTY in error.message and "openai/fake-model" in error.message
    assert events[-1].failed and events[-1].output == ""
    assert server.hits == 2, "asked once more, then the user sees the error"


def test_case52_agentsh_run_exits_1_on_an_empty_answer(server, cli, home):
    server.profile = replace(PROFILES["stop-string"], empty_answers=2)
    server.default_reply = Reply(text="not asked")

    status, out, _ = cli("run", "--home", str(home), "--model", MODEL, "--json", "hello?")

    assert status == 1
    done = json.loads(out.strip().splitlines()[-1])
    assert done["type"] == "done" and done["failed"] is True
    assert any(json.loads(line).get("kind") == "EmptyAnswerError" for line in out.splitlines())


async def test_case52_a_structured_decision_answered_with_nothing_is_asked_again(llm_session, server):
    server.profile = PROFILES["stop-string"]  # the router's classification is the first request
    server.route = Script(decision=[json.dumps({"reason": "prose", "route": "writer"})], writer=["Here it is."])
    session = llm_session(mode="router")

    events = await send(session, "write me a haiku")

    assert not events[-1].failed and events[-1].output == "Here it is."
    assert of(events, Error) == []
    assert [s.title for s in of(events, Step) if s.kind == "route"] == ["writer"]


async def test_case52_a_planner_task_with_an_empty_answer_is_asked_once_more(llm_session, server):
    server.route = Script(decision=[PLAN], assistant=["", "forty-two"], synthesis=["The answer is forty-two."])
    session = llm_session(mode="planner")

    events = await send(session, "what is six times seven?")

    assert not events[-1].failed and events[-1].output == "The answer is forty-two."
    assert "task t1 gave an empty answer; asking once more" in warnings(events)
    [done] = [s for s in of(events, Step) if s.kind == "task" and s.status == "done"]
    assert done.data["result"] == "forty-two"
    retry = [r["body"] for r in server.requests if kind(r["body"]) == "assistant"][1]
    assert "Your previous reply was empty" in retry["messages"][-1]["content"]


async def test_case52_a_planner_task_empty_twice_fails_and_the_answer_says_so(llm_session, server):
    server.route = Script(decision=[PLAN], assistant=[""])
    session = llm_session(mode="planner", modes={"planner": {"max_replans": 0}})

    events = await send(session, "what is six times seven?")

    [failed] = [s for s in of(events, Step) if s.kind == "task" and s.status == "failed"]
    assert "EmptyAnswerError" in failed.data["error"]
    output = events[-1].output
    assert output.startswith("The plan failed.") and EMPTY in output
    assert server.route.asked["assistant"] == 2, "asked once more, not again and again"


async def test_case52_the_planner_and_debate_never_end_with_an_empty_output(llm_session, server):
    server.route = Script(decision=[PLAN], assistant=["forty-two"], synthesis=[""], moderator=[""])
    for mode in ("planner", "debate"):
        session = llm_session(mode=mode, modes={"debate": {"rounds": 1}})

        events = await send(session, "what is six times seven?")

        [error] = of(events, Error)
        assert error.kind == "EmptyAnswerError" and events[-1].failed, mode
        assert events[-1].output == "" and all(m.content for m in session.store.messages(session.id) if m.role == "assistant")


async def test_case52_an_empty_parallel_branch_does_not_count_as_done(llm_session, server):
    server.route = Script(researcher=["", "  "], merge=["The merged answer."])
    session = llm_session(mode="parallel")

    events = await send(session, "compare tabs and spaces")

    branches = {s.title: s.status for s in of(events, Step) if s.kind == "branch" and s.status != "running"}
    assert branches == {"researcher": "failed", "coder": "done", "writer": "done"}
    merge = next(r["body"] for r in server.requests if kind(r["body"]) == "merge")
    assert "2 agents answered it" in merge["messages"][-1]["content"] and "## 1. coder" in merge["messages"][-1]["content"]
    assert not events[-1].failed and events[-1].output == "The merged answer."


async def test_case52_a_supervisor_worker_and_an_events_subscriber_are_asked_once_more(llm_session, server):
    delegate = Reply(tool_calls=[{"name": "delegate", "arguments": {"worker": "coder", "task": "write it"}}])
    server.route = Script(supervisor=[delegate, "The code is written."], coder=["", "def f(): pass"])
    session = llm_session(mode="supervisor")

    events = await send(session, "write a function")

    assert not events[-1].failed and events[-1].output == "The code is written."
    assert "coder gave an empty answer; asking once more" in warnings(events)
    assert server.last_body["messages"][-1]["content"] == "def f(): pass"

    server.route = Script(researcher=["", "the notes"], writer=["the draft"])
    session = llm_session(mode="events")
    events = await send(session, "explain tides")

    assert not events[-1].failed and events[-1].output == "the draft"
    assert "researcher gave an empty answer; asking once more" in warnings(events)
