"""Replaying a turn from a step: the model answers before it are reused, not asked (and paid) again."""

from __future__ import annotations

import io
import json
import sys

import pytest

from agentsh.cli import main
from agentsh.cli.trace import trace_lines
from agentsh.commands import run_slash_command
from agentsh.costs import TurnCost
from agentsh.events import Notice, ToolCall
from agentsh.messages import user
from agentsh.models.base import ModelRequest
from agentsh.models.cache import CachingModel
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session
from agentsh.tools.tool import tool
from agentsh.trace import turn_trace

from helpers import done, of, scripted_session, send

STEPS = 10


@tool
def count(n: int) -> str:
    """Count one more."""
    return f"counted {n}"


def counting_model() -> ScriptedModel:
    """A turn of ten tool calls, then an answer: eleven model calls."""
    return ScriptedModel(*[calls(("count", {"n": i})) for i in range(STEPS)], "Counted to ten.")


@pytest.fixture(autouse=True)
def empty_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))


async def counted_session(home) -> tuple[Session, ScriptedModel]:
    model = counting_model()
    session = scripted_session(home, model, count)
    await send(session, "count to ten")
    return session, model


async def test_a_replay_from_the_last_step_makes_one_model_call(home):
    session, model = await counted_session(home)
    last = turn_trace(session.store, session.id).nodes[-1]
    assert last.kind == "model" and last.calls_before == STEPS
    result = run_slash_command(session, f"/retry --from {last.number}")
    assert result.action == "resend" and f"from step {last.number}" in result.text
    model.add("Counted to ten, again.")
    events = await send(session, result.argument)
    assert len(model.requests) == STEPS + 2  # eleven the first time, one for the replay
    assert done(events).output == "Counted to ten, again."
    assert any(f"from step {last.number} (model call: scripted): 10 earlier model answers can be reused" in n.message for n in of(events, Notice))
    replayed = turn_trace(session.store, session.id)
    model_calls = [n for n in replayed.nodes if n.kind == "model"]
    assert [n.prompt_tokens for n in model_calls] == [0] * STEPS + [10]  # the reused calls cost nothing
    assert [n.reused for n in model_calls] == [True] * STEPS + [False]  # and say they were not asked again
    await session.aclose()


async def test_the_trace_and_the_answers_footer_tell_reused_answers_from_new_calls(home):
    session, model = await counted_session(home)
    last = turn_trace(session.store, session.id).nodes[-1]
    model.add("Counted to ten, again.")
    events = await send(session, run_slash_command(session, f"/retry --from {last.number}").argument)

    lines = trace_lines(turn_trace(session.store, session.id))
    assert sum("reused (the original turn's answer, not asked again)" in line for line in lines) == STEPS
    assert lines[-1].startswith(f"total: {STEPS + 1} model calls ({STEPS} reused) · ")
    assert json.loads(json.dumps(turn_trace(session.store, session.id).as_dict()))["steps"][-1]["reused"] is False
    footer = TurnCost()
    for event in events:
        footer.add(event)
    assert footer.summary().startswith(f"{STEPS + 1} model calls ({STEPS} reused) · ")
    await session.aclose()


async def test_a_replay_from_a_middle_step_asks_the_model_from_there_on(home):
    session, model = await counted_session(home)
    trace = turn_trace(session.store, session.id)
    fourth_tool = [n for n in trace.nodes if n.kind == "tool"][3]  # after the fourth model call
    session.prepare_replay(str(fourth_tool.number))
    session.replace_last_turn()
    model.add(*[calls(("count", {"n": i})) for i in range(4, STEPS)], "Counted to ten.")
    events = await send(session, "count to ten")
    assert len(model.requests) == STEPS + 1 + (STEPS + 1 - 4)
    assert [call.arguments["n"] for call in of(events, ToolCall)] == list(range(STEPS))  # four reused, six asked
    await session.aclose()


@pytest.mark.parametrize(("temperature", "reuse_random", "calls_made"), [(None, False, 1), (0.9, False, 2), (0.9, True, 1)])
async def test_answers_at_a_temperature_are_reused_only_when_asked(temperature, reuse_random, calls_made):
    model = ScriptedModel(default=Reply(text="a roll of the dice"))
    kept: dict = {}
    wrapped = CachingModel(model, keep=lambda key, response: kept.setdefault(key, response), reuse=kept.get, reuse_random=reuse_random)
    request = ModelRequest(messages=[user("roll")], temperature=temperature)
    for _ in range(2):
        answer = [item async for item in wrapped.stream(request)][-1]
        assert answer.message.content == "a roll of the dice"
    assert len(model.requests) == calls_made


def replay(capsys, home, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["sessions", "--home", str(home), "replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_replay_with_another_model_runs_the_whole_turn_again_as_a_fork(home, capsys):
    assert main(["run", "--home", str(home), "--model", "offline", "--mode", "chat", "--json", "hello there"]) == 0
    original = json.loads(capsys.readouterr().out.splitlines()[0])["session_id"]
    code, out, err = replay(capsys, home, original, "--mode", "tools", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    fork_id = lines[0]["session_id"]
    assert fork_id != original and lines[0]["mode"] == "tools"
    assert f"agentsh -r {fork_id}" in err
    assert main(["sessions", "--home", str(home), "show", fork_id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["session"]["parent_id"] == original and "turn replayed with mode tools" in shown["session"]["title"]
    assert [m["role"] for m in shown["messages"] if m["role"] != "system"] == ["user", "assistant"]
    code, _, err = replay(capsys, home, original, "--from", "99")
    assert code != 0 and "there is no step '99' in that turn" in err


def test_replay_without_a_step_or_a_change_says_what_to_give(home, capsys):
    assert main(["run", "--home", str(home), "--model", "offline", "--json", "hello"]) == 0
    original = json.loads(capsys.readouterr().out.splitlines()[0])["session_id"]
    code, _, err = replay(capsys, home, original)
    assert code != 0 and "--from STEP" in err and "Traceback" not in err


async def test_a_replay_from_the_last_step_with_another_model_asks_only_that_model(home):
    model = ScriptedModel(*[calls(("count", {"n": i})) for i in range(STEPS)], "Counted to ten.")
    session = scripted_session(home, model, count)
    session.record = session.record.model_copy(update={"model": model.name})  # the session names the model it runs
    await send(session, "go")
    last = turn_trace(session.store, session.id).nodes[-1]
    result = run_slash_command(session, f"/retry --from {last.number} --model offline")
    events = await send(session, result.argument)
    assert len(model.requests) == STEPS + 1  # the scripted model was not asked again: its ten answers were reused
    assert done(events).output == "count returned: counted 9"  # the offline model reads the last tool result back
    replayed = turn_trace(session.store, session.id)
    assert [n.model for n in replayed.nodes if n.kind == "model"] == ["scripted"] * STEPS + ["offline"]
    await session.aclose()


async def test_deleting_a_session_deletes_its_kept_model_answers(home):
    session, _ = await counted_session(home)
    count_kept = "SELECT count(*) FROM model_calls WHERE session_id = ?"
    assert session.store.db.execute(count_kept, [session.id]).fetchone()[0] == STEPS + 1
    await session.aclose()
    session.store.delete(session.id)
    assert session.store.db.execute(count_kept, [session.id]).fetchone()[0] == 0


async def test_a_retried_turn_replayed_reuses_only_its_own_answers_not_the_replaced_turns(home):
    session, model = await counted_session(home)
    model.add(*[calls(("count", {"n": i})) for i in range(STEPS)], "Counted to ten, second take.")
    await send(session, run_slash_command(session, "/retry").argument)  # the replaced turn's id is free again
    last = turn_trace(session.store, session.id).nodes[-1]
    model.add("Counted to ten, third take.")
    events = await send(session, run_slash_command(session, f"/retry --from {last.number}").argument)

    assert any(f"{STEPS} earlier model answers can be reused" in n.message for n in of(events, Notice))
    assert done(events).output == "Counted to ten, third take."
    stored = session.store.db.execute("SELECT count(*) FROM model_calls WHERE session_id = ?", [session.id]).fetchone()[0]
    assert stored == STEPS + 1  # the replaced turns' answers went with them
    await session.aclose()
