"""Case 47: a server that refuses structured output degrades it; it never fails the turn.

llama-cpp-python's server answers `response_format: json_schema` with an HTTP 500 ("Input should be
'text' or 'json_object'"). agentsh then asks again at once (no backoff: the same request would be
refused again) with json_object and the schema in the prompt, then with the schema in the prompt
alone, and remembers per model, in the store, what worked: the next session starts there. When
no level gives a valid answer, every decision (route, plan, verdict, vote, memory consolidation)
reaches its mode's documented fallback, and the turn ends with exit 0.

All through the real litellm path, against the fake server's "llama-cpp-python" profile.
"""

from __future__ import annotations

import time
from contextlib import closing

import pytest
from reliability_support import MODEL, connect

import agentsh.models.litellm as litellm_adapter
from agentsh.events import Error, Notice, Step, TurnDone
from agentsh.memory.consolidate import consolidate_session

from fakeserver import PROFILES, Reply
from helpers import following_schemas, of, requested_level, send

DOWNGRADED = f"model {MODEL} does not accept json_schema; using json_object + schema in the prompt"
PLAIN = Reply(text="Final Answer: the answer is 42")


@pytest.fixture
def llama_cpp_python(server, monkeypatch):
    """The llama-cpp-python profile, and agentsh's real backoff: retrying the refusal would take 6 s or more."""
    litellm_adapter.load_litellm()  # imported before the clock starts
    monkeypatch.setattr(litellm_adapter, "BACKOFF_BASE", 1.0)
    server.profile = PROFILES["llama-cpp-python"]
    server.default_reply = PLAIN
    return server


def levels(server) -> list[str]:
    return [level for r in server.requests if (level := requested_level(r["body"])) is not None]


def step(events, kind: str) -> Step:
    """The last Step of that kind (a mode's decision, once made)."""
    return [s for s in of(events, Step) if s.kind == kind][-1]


def notices(events) -> list[str]:
    return [e.message for e in of(events, Notice)]


async def timed_send(session, text: str) -> tuple[list, float]:
    started = time.monotonic()
    events = await send(session, text)
    return events, time.monotonic() - started


async def test_case47_a_refused_json_schema_steps_down_at_once_and_the_store_remembers_it(llm_session, llama_cpp_python, home):
    llama_cpp_python.route = following_schemas()

    events, seconds = await timed_send(llm_session(mode="router"), "how do I sort a list?")

    assert isinstance(events[-1], TurnDone) and not events[-1].failed, of(events, Error)
    [route] = [s for s in of(events, Step) if s.kind == "route"]
    assert route.data["fallback"] is False, "the json_object answer was used"
    assert levels(llama_cpp_python) == ["json_schema", "json_object"], "one refusal, not retried, then json_object"
    assert notices(events).count(DOWNGRADED) == 1
    assert not [n for n in notices(events) if "Retrying" in n]
    assert seconds < 4, f"the refusal was waited on ({seconds:.1f} s)"
    with closing(connect(home / "agentsh.db")) as db:
        assert [tuple(r) for r in db.execute("SELECT model, level FROM model_formats")] == [(MODEL, "json_object")]

    llama_cpp_python.clear()
    events = await send(llm_session(mode="router"), "and a dict?")  # a new session, the same store

    assert levels(llama_cpp_python) == ["json_object"], "the next session starts at the level that worked"
    assert DOWNGRADED not in notices(events)
    assert not step(events, "route").data["fallback"]


async def test_case47_the_prompt_alone_is_the_last_level_and_its_json_is_found_in_the_text(llm_session, server, monkeypatch):
    litellm_adapter.load_litellm()
    monkeypatch.setattr(litellm_adapter, "BACKOFF_BASE", 1.0)
    refuse_every_format = Reply(status=400, error_message="response_format is not supported by this server")
    follow = following_schemas()
    server.route = lambda body: refuse_every_format if "response_format" in body else _in_prose(follow(body))
    server.default_reply = PLAIN

    events, seconds = await timed_send(llm_session(mode="router"), "how do I sort a list?")

    assert levels(server) == ["json_schema", "json_object", "prompt"]
    assert not step(events, "route").data["fallback"], "the JSON in the prose was used"
    assert [n for n in notices(events) if "does not accept" in n] == [
        DOWNGRADED, f"model {MODEL} does not accept json_object; using the schema in the prompt alone",
    ]
    assert seconds < 4


def _in_prose(reply: Reply | None) -> Reply | None:
    return None if reply is None else Reply(text=f"Sure! Here is my answer:\n```json\n{reply.text}\n```\nHope it helps.")


# Each structured decision, and the sign that its documented fallback ran.
FALLBACKS = {
    "router": ({}, lambda events: step(events, "route").data["fallback"]),
    "planner": ({}, lambda events: "the planner gave no valid plan: running the request as one task" in notices(events)),
    "reflect": ({}, lambda events: step(events, "critique").data["fallback"]),
    "debate": ({"debate": {"judge": "vote", "rounds": 1}},
               lambda events: "no debater gave a valid vote: the first answer is taken" in notices(events)),
    "parallel": ({"parallel": {"aggregate": "vote"}},
                 lambda events: step(events, "aggregate").data["fallback"]),
    "pipeline": ({"pipeline": {"stages": [{"agent": "researcher", "prompt": "{input}", "gate": {"type": "critic"}},
                                          {"agent": "writer", "prompt": "{input}"}]}},
                 lambda events: any("gave no valid verdict" in n for n in notices(events))),
}


@pytest.mark.parametrize("mode", sorted(FALLBACKS))
async def test_case47_a_decision_no_level_answers_reaches_the_modes_fallback(mode, llm_session, llama_cpp_python):
    modes, fell_back = FALLBACKS[mode]  # the model answers prose at every level the server accepts

    events, seconds = await timed_send(llm_session(mode=mode, modes=modes), "what is 6*7?")

    assert isinstance(events[-1], TurnDone) and not events[-1].failed, of(events, Error)
    assert "42" in events[-1].output
    assert fell_back(events), notices(events)
    assert "json_schema" in levels(llama_cpp_python) and "json_object" in levels(llama_cpp_python)
    assert seconds < 4, f"{mode}: the refusal was waited on ({seconds:.1f} s)"


async def test_case47_memory_consolidation_degrades_too_and_falls_back_without_failing(llm_session, llama_cpp_python):
    session = llm_session(memory={"consolidate": False})
    await send(session, "I prefer tea to coffee.")
    llama_cpp_python.clear()

    unanswered = await consolidate_session(session.store, session.memory.store, session.model, session.id)

    assert unanswered is not None and not unanswered.answered and unanswered.added == 0
    assert levels(llama_cpp_python)[:2] == ["json_schema", "json_object"], "refused, then json_object: no failure"

    llama_cpp_python.route = following_schemas("The user prefers tea to coffee.")
    result = await consolidate_session(session.store, session.memory.store, session.model, session.id)

    assert result is not None and result.added == 1
    assert [m.text for m in session.memory.store.list()] == ["The user prefers tea to coffee."]


def test_case47_agentsh_memory_consolidate_exits_0_when_the_model_gives_no_valid_answer(cli, llama_cpp_python, home):
    status, _out, err = cli("run", "--home", str(home), "--model", MODEL, "I prefer tea.")
    assert status == 0, err

    status, out, err = cli("memory", "--home", str(home), "consolidate")

    assert status == 0, err
    assert "the model gave no valid answer; nothing learned" in out
