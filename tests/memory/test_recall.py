"""Long-term memory across sessions: remember in one session, recalled in the next; forget removes it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from agentsh.config import Settings
from agentsh.events import ApprovalRequest, MemoryRecall
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session
from agentsh.tools.approval import Decision

from fakeserver import Reply as ServerReply
from helpers import done, of, scripted_session, send


def system_prompt(model: ScriptedModel, index: int = -1) -> str:
    """What the model was given of the session and memory: recalled memories follow the user's message, never the system prompt."""
    messages = model.requests[index].messages
    assert messages[0].role == "system" and "long-term-memory" not in messages[0].content, "the system prompt stays the same every turn"
    return next(m.content for m in reversed(messages) if m.role == "user")


async def test_a_fact_remembered_in_one_session_reaches_the_model_in_the_next(home):
    teacher = ScriptedModel(calls(("remember", {"text": "The user's favourite colour is teal", "kind": "preference"})), Reply("Noted."))
    first = scripted_session(home, teacher)
    assert done(await send(first, "Remember that my favourite colour is teal")).output == "Noted."

    student = ScriptedModel(Reply("Teal."), Reply("I don't know."))
    second = scripted_session(home, student)
    events = await send(second, "What is my favourite colour?")
    assert "favourite colour is teal" in system_prompt(student)
    assert [m.text for m in of(events, MemoryRecall)[0].memories] == ["The user's favourite colour is teal"]

    memory_id = of(events, MemoryRecall)[0].memories[0].id
    forgetter = ScriptedModel(calls(("forget", {"id": memory_id})), Reply("Forgotten."), Reply("No idea."))
    third = scripted_session(home, forgetter)
    events = await send(third, "Forget my favourite colour", answer=Decision.ONCE)
    assert [e.name for e in of(events, ApprovalRequest)] == ["forget"], "forgetting waits for the user"
    events = await send(third, "What is my favourite colour?")
    assert "teal" not in system_prompt(forgetter).lower()
    assert not of(events, MemoryRecall)


async def test_unrelated_memories_stay_out_and_pinned_ones_always_come(home):
    session = scripted_session(home, ScriptedModel(Reply("ok")))
    store = session.memory.store
    store.add("The user's dog is called Biscuit")
    store.add("Always answer in British English", kind="instruction", pinned=True)
    await send(session, "What is the capital of Peru?")
    prompt = system_prompt(session.model)
    assert "British English" in prompt and "Biscuit" not in prompt


async def test_recall_can_be_turned_off(home):
    session = scripted_session(home, ScriptedModel(Reply("ok")), memory={"recall": False})
    session.memory.store.add("my favourite colour is teal")
    events = await send(session, "what is my favourite colour?")
    assert "teal" not in system_prompt(session.model) and not of(events, MemoryRecall)


async def test_every_model_call_of_a_turn_sees_the_memory_but_the_stored_history_does_not(home):
    model = ScriptedModel(calls(("calculator", {"expression": "2+2"})), Reply("4, in teal."))
    session = scripted_session(home, model)
    session.memory.store.add("my favourite colour is teal")
    await send(session, "Add 2+2 and mention my favourite colour")
    assert all("favourite colour is teal" in system_prompt(model, i) for i in range(2))
    assert all("teal" not in m.content for m in session.history() if m.role == "system")


def test_memory_add_then_a_new_session_sends_it_to_the_provider(home, fake_server):
    """The issue's "done when", through the real CLI and litellm against a local server."""
    env = {**os.environ, "OPENAI_BASE_URL": fake_server.base_url, "OPENAI_API_KEY": "sk-test", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    agentsh = [sys.executable, "-m", "agentsh"]
    add = [*agentsh, "memory", "--home", str(home), "add", "my favourite colour is teal"]
    added = subprocess.run(add, env=env, capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stderr
    fake_server.enqueue(ServerReply(text="Your favourite colour is teal."))
    run = [*agentsh, "run", "--json", "--model", "openai/fake-model", "--home", str(home), "what is my favourite colour?"]
    result = subprocess.run(run, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    sent = json.dumps(fake_server.last_body["messages"])
    assert "teal" in sent
    assert any(json.loads(line)["type"] == "memory" for line in result.stdout.splitlines())


async def test_the_offline_model_answers_from_memory(home):
    session = Session.open(Settings(home=home, model="offline"))
    session.memory.store.add("my favourite colour is teal")
    answer = done(await send(session, "what is my favourite colour?")).output
    assert "teal" in answer
