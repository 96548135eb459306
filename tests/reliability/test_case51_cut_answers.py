"""Case 51: an answer cut at the server's token cap (finish_reason "length") is marked as cut, and can be continued.

Against llama-server started with a token cap, a long answer stopped mid-sentence and agentsh
showed it as complete: no notice, `step_limited: false`. Now the turn's last event says
`cut: true` (and the call's Usage event `finish_reason: "length"`), the answer is stored as
cut so a resumed session shows it, `agentsh run` says so (a note, and `"cut": true` in
`--json`), the REPL shows a badge, and `/continue` asks the model to go on from where it
stopped: a turn of its own whose answer follows the cut one.
"""

from __future__ import annotations

import json
from contextlib import closing

from reliability_support import MODEL, agentsh_env, connect

from agentsh.agent.continuation import CONTINUE_REQUEST
from agentsh.commands import run_slash_command
from agentsh.events import TextDelta, TurnDone, Usage

from fakeserver import PROFILES, Reply
from helpers import of, send

CAP = PROFILES["llama-server"].cap_tokens * 4  # characters: the fake counts four per token
LONG = "".join(f"Step {n}: stir the pot and wait a minute. " for n in range(200))  # far past the cap
REST = "…and that is the end of the recipe."


async def test_case51_a_cut_answer_is_marked_in_its_events_the_store_and_a_resumed_session(llm_session, server, home):
    server.profile = PROFILES["llama-server"]
    server.enqueue(Reply(text=LONG))
    session = llm_session()

    events = await send(session, "the whole recipe, please")

    done = events[-1]
    assert isinstance(done, TurnDone) and done.cut and not done.failed and not done.step_limited
    assert done.output == LONG[:CAP]
    assert [u.finish_reason for u in of(events, Usage)] == ["length"]
    stored = session.store.messages(session.id)
    assert (stored[-1].role, stored[-1].content, stored[-1].cut) == ("assistant", LONG[:CAP], True)
    with closing(connect(home / "agentsh.db")) as db:  # read apart from agentsh's own code
        assert db.execute("SELECT cut FROM turns").fetchall()[0]["cut"] == 1
    await session.aclose()

    resumed = llm_session(resume=session.id)
    assert resumed.answer_was_cut()
    assert resumed.history()[-1].cut


async def test_case51_continue_asks_the_model_to_go_on_and_its_answer_follows_the_cut_one(llm_session, server):
    server.profile = PROFILES["llama-server"]
    server.enqueue(Reply(text=LONG), Reply(text=REST))
    session = llm_session()
    await send(session, "the whole recipe, please")

    result = run_slash_command(session, "/continue")
    assert (result.action, result.error) == ("continue", False)
    events = [event async for event in session.continue_answer()]

    sent = server.last_body["messages"]
    assert [m["role"] for m in sent[-3:]] == ["user", "assistant", "user"]
    assert sent[-2]["content"] == LONG[:CAP] and sent[-1]["content"] == CONTINUE_REQUEST
    assert "".join(e.delta for e in of(events, TextDelta)) == REST
    assert not events[-1].cut and not events[-1].failed and events[-1].output == REST
    assert [m.content for m in session.history()[-2:]] == [CONTINUE_REQUEST, REST]
    assert not session.answer_was_cut()
    again = run_slash_command(session, "/continue")
    assert again.error and "nothing to continue" in again.text


async def test_case51_an_answer_that_ends_normally_is_not_marked(llm_session, server):
    server.profile = PROFILES["llama-server"]
    server.enqueue(Reply(text="Short and complete."))
    session = llm_session()

    events = await send(session, "hi")

    assert not events[-1].cut and [u.finish_reason for u in of(events, Usage)] == ["stop"]
    assert not session.answer_was_cut()


def test_case51_agentsh_run_says_the_answer_was_cut(server, cli, home):
    server.profile = PROFILES["llama-server"]
    server.default_reply = Reply(text=LONG)

    status, out, err = cli("run", "--home", str(home), "--model", MODEL, "--json", "the whole recipe")
    assert status == 0, err
    done = json.loads(out.strip().splitlines()[-1])
    assert done["type"] == "done" and done["cut"] is True and done["output"] == LONG[:CAP]
    usage = [json.loads(line) for line in out.splitlines() if json.loads(line)["type"] == "usage"]
    assert [u["finish_reason"] for u in usage] == ["length"]

    status, out, err = cli("run", "--home", str(home), "--model", MODEL, "the whole recipe")
    assert status == 0 and out.strip() == LONG[:CAP].strip()
    assert "the answer stopped at the model's token cap" in err


def test_case51_the_repl_shows_the_badge_and_continue_goes_on(server, agentsh, home):
    server.profile = PROFILES["llama-server"]
    server.enqueue(Reply(text=LONG), Reply(text=REST))

    typed = b"the whole recipe, please\n/continue\n/continue\n"
    result = agentsh("--plain", "--home", str(home), "--model", MODEL, env=agentsh_env(server), input=typed)

    shown = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 0, shown
    assert "cut: the answer stopped at the model's token cap; /continue goes on from there" in shown
    assert shown.index(LONG[: CAP // 2]) < shown.index("cut: the answer") < shown.index(REST)
    assert "nothing to continue" in shown[shown.index(REST):], "a second /continue has nothing left to continue"
    assert server.hits == 2
