"""Consolidation, the background write path: facts learned once, summaries for `sessions list` and search."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from agentsh.memory.consolidate import consolidate_session
from agentsh.models.scripted import Reply, ScriptedModel

from helpers import scripted_session, send

FACTS = {
    "summary": "Planned a trip to Lisbon; decided on trains, not flights.",
    "facts": [
        {"text": "The user prefers trains to flights", "kind": "preference", "tags": ["travel"], "importance": 4},
        {"text": "The user is planning a trip to Lisbon in May", "kind": "project"},
    ],
}


def consolidation_reply(facts: dict = FACTS) -> Reply:
    return Reply(json.dumps(facts))


async def test_consolidation_stores_each_fact_once_and_a_summary(home):
    session = scripted_session(home, ScriptedModel(Reply("Trains it is.")))
    await send(session, "I'd rather take trains than fly. Plan my Lisbon trip in May.")
    model = ScriptedModel(consolidation_reply(), consolidation_reply())
    first = await consolidate_session(session.store, session.memory.store, model, session.id)
    assert (first.added, first.known) == (2, 0)
    assert "Conversation:" in model.requests[0].text() and "Lisbon" in model.requests[0].text()

    assert await consolidate_session(session.store, session.memory.store, model, session.id) is None  # nothing new
    session.model.add(Reply("Booked."))
    await send(session, "Book the train.")
    again = await consolidate_session(session.store, session.memory.store, model, session.id)
    assert (again.added, again.known) == (0, 2)
    assert "The user prefers trains to flights" in model.requests[1].text()  # known facts are shown to the model
    memories = session.memory.store.list()
    assert sorted(m.text for m in memories) == ["The user is planning a trip to Lisbon in May", "The user prefers trains to flights"]
    assert {m.source_session_id for m in memories} == {session.id}
    assert session.store.get(session.id).summary == FACTS["summary"]


async def test_a_near_restatement_is_not_stored_again(home):
    session = scripted_session(home, ScriptedModel(Reply("ok")))
    session.memory.store.add("The user prefers trains to flights.")
    await send(session, "trains please")
    restated = {"summary": "s", "facts": [{"text": "the user prefers trains to flights"}]}
    result = await consolidate_session(session.store, session.memory.store, ScriptedModel(consolidation_reply(restated)), session.id)
    assert (result.added, result.known) == (0, 1) and session.memory.store.count() == 1


async def test_consolidation_runs_in_the_background_every_n_turns_without_blocking(home):
    model = ScriptedModel(Reply("one"), Reply("two"))
    session = scripted_session(home, model, memory={"consolidate_every": 2, "idle_seconds": 3600})
    await send(session, "I'd rather take trains than fly.")
    assert not session.memory._tasks - {session.memory._idle}  # one turn: only the idle timer waits
    slow = Reply(json.dumps(FACTS), delay=0.3)
    model.add(slow)
    await send(session, "Plan Lisbon in May.")  # returns while consolidation is still waiting for its model
    assert session.memory.store.count() == 0
    await asyncio.wait_for(_until(lambda: session.memory.store.count() == 2), 5)
    await session.aclose()


async def test_turned_off_means_no_model_call(home):
    model = ScriptedModel(Reply("one"), Reply("two"))
    session = scripted_session(home, model, memory={"consolidate": False, "consolidate_every": 1})
    await send(session, "hello")
    await send(session, "again")
    await asyncio.sleep(0.05)
    assert len(model.requests) == 2 and not session.memory._tasks


async def test_the_startup_sweep_consolidates_ended_sessions(home):
    ended = scripted_session(home, ScriptedModel(Reply("ok")))
    await send(ended, "Plan Lisbon in May, by train.")
    notices = []
    current = scripted_session(home, ScriptedModel(consolidation_reply()), memory={"idle_seconds": 0.001})
    current.subscribe(notices.append)
    await asyncio.sleep(0.01)
    current.start_background()
    await asyncio.wait_for(_until(lambda: current.memory.store.count() == 2), 5)
    assert "learned 2 facts" in notices[0].message
    await current.aclose()


async def test_offline_sessions_get_an_extractive_summary_and_no_invented_facts(home):
    from agentsh.models.offline import OfflineModel

    session = scripted_session(home, ScriptedModel(Reply("ok")))
    await send(session, "Help me plan a trip to Lisbon")
    result = await consolidate_session(session.store, session.memory.store, OfflineModel(), session.id)
    assert result.summary == "Help me plan a trip to Lisbon" and result.added == 0


def test_sessions_list_shows_the_summary_and_search_finds_it(home):
    async def scenario():
        session = scripted_session(home, ScriptedModel(Reply("ok")))
        await send(session, "What about the railway?")
        await consolidate_session(session.store, session.memory.store, ScriptedModel(consolidation_reply()), session.id)

    asyncio.run(scenario())
    agentsh = [sys.executable, "-m", "agentsh", "sessions", "--home", str(home)]
    listing = subprocess.run([*agentsh, "list"], capture_output=True, text=True, timeout=30)
    assert FACTS["summary"] in listing.stdout
    found = subprocess.run([*agentsh, "search", "what did we decide about flights"], capture_output=True, text=True, timeout=30)
    assert found.returncode == 0 and "decided on trains" in found.stdout


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_what_consolidation_costs_counts_in_stats_and_the_daily_spend(home, capsys):
    from agentsh.cli import main

    session = scripted_session(home, ScriptedModel(Reply("Trains it is.", cost=0.001)))
    await send(session, "I'd rather take trains than fly.")
    priced = consolidation_reply()
    priced.cost = 0.004
    await consolidate_session(session.store, session.memory.store, ScriptedModel(priced), session.id)

    capsys.readouterr()
    assert main(["stats", "--json", "-g", "mode", "--home", str(home)]) == 0
    rows = {row["mode"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["memory"]["model_calls"] == 1 and rows["memory"]["turns"] == 0 and abs(rows["memory"]["cost"] - 0.004) < 1e-9
    assert abs(session.store.spent(since="2000-01-01")[1] - 0.005) < 1e-9  # what the day's budget sums
    for grouping in (["-g", "model"], ["-g", "model", "-s", session.id]):  # from the rollup, and from the rows
        assert main(["stats", "--json", *grouping, "--home", str(home)]) == 0
        [row] = json.loads(capsys.readouterr().out)["rows"]
        assert (row["turns"], row["model_calls"]) == (1, 2)  # the consolidation's call is no turn


async def test_a_session_the_model_could_not_consolidate_is_not_asked_again_at_every_start(home):
    ended = scripted_session(home, ScriptedModel(Reply("ok")))
    await send(ended, "Plan Lisbon in May, by train.")

    prose = ScriptedModel(default="I cannot do JSON.")
    assert any("the model gave no valid answer" in n for n in await a_start_s_consolidation_notices(home, prose))
    asked = len(prose.requests)
    assert await a_start_s_consolidation_notices(home, prose) == [] and len(prose.requests) == asked  # left alone
    assert [r.id for r in ended.store.unconsolidated()] == [ended.id]  # `agentsh memory consolidate` still can

    ended.model.add(Reply("Booked."))
    await send(ended, "Book the train.")  # a new turn: worth asking again
    assert [r.id for r in ended.store.unconsolidated(retry_unanswered=False)] == [ended.id]


async def test_a_failing_model_stops_the_start_s_sweep_at_its_first_failure(home):
    for text in ("first", "second", "third"):
        await send(scripted_session(home, ScriptedModel(Reply("ok"))), text)
    notices = await a_start_s_consolidation_notices(home, ScriptedModel(default=RuntimeError("401 wrong key")))
    assert [n.split(": ", 1)[-1] for n in notices] == ["401 wrong key"]


async def a_start_s_consolidation_notices(home, model: ScriptedModel) -> list[str]:
    """What a new session on `model` says about consolidating the ended sessions as it starts."""
    notices = []
    current = scripted_session(home, model, memory={"idle_seconds": 0.001})
    current.subscribe(notices.append)
    await asyncio.sleep(0.01)
    current.start_background()
    await asyncio.sleep(0.5)
    await current.aclose()
    return [n.message for n in notices if "consolidation" in n.message]
