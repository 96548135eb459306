"""Tasks through a real service: approvals (input-required), --yes, cancellation with a planner's undo, the concurrency
bound, restart survival, and the workspace a task runs in."""

from __future__ import annotations

import json
import re
import sqlite3
import threading

from service_harness import GatedModel, read_events, statuses, submit, wait_for

from agentsh.models.scripted import Reply, ScriptedModel, calls

TASK_ID = re.compile(r"Your task \(id (\S+)\)")


def wait_until(condition, timeout: float = 10) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("timed out")


# approvals ---------------------------------------------------------------------------------------------------------


def test_a_tool_call_that_needs_approval_waits_for_an_answer_through_the_api(start_service, models, workspace):
    models["scripted"] = ScriptedModel(calls(("write_file", {"path": "note.txt", "content": "hi"})), "written", default="ok")
    service = start_service(model="scripted")
    with service.client() as client:
        task = submit(client, "write a note", cwd=str(workspace))
        waiting = wait_for(client, task["id"], {"input-required"})
        [pending] = waiting["pending_approvals"]
        assert pending["name"] == "write_file" and pending["arguments"] == {"path": "note.txt", "content": "hi"}
        assert not (workspace / "note.txt").exists()
        [listed] = [t for t in client.get("/v1/tasks").json()["tasks"] if t["id"] == task["id"]]
        assert listed["pending_approvals"] == waiting["pending_approvals"], "the listing shows what the task waits for"

        answered = client.post(f"/v1/tasks/{task['id']}/approvals/{pending['id']}", json={"decision": "allow"})
        assert answered.status_code == 200
        finished = wait_for(client, task["id"])
        again = client.post(f"/v1/tasks/{task['id']}/approvals/{pending['id']}", json={"decision": "allow"})
        messages = read_events(client, task["id"])

    assert finished["status"] == "completed" and finished["answer"] == "written" and finished["pending_approvals"] == []
    assert (workspace / "note.txt").read_text() == "hi"
    assert again.status_code == 404
    assert statuses(messages) == ["queued", "running", "input-required", "running", "completed"]
    approval = next(m for m in messages if m["event"] == "approval")
    assert approval["data"]["id"] == pending["id"] and "decision" not in approval["data"]


def test_a_denied_call_is_not_made(start_service, models, workspace):
    models["scripted"] = ScriptedModel(calls(("write_file", {"path": "note.txt", "content": "hi"})), "not written")
    service = start_service(model="scripted")
    with service.client() as client:
        task = submit(client, "write a note", cwd=str(workspace))
        [pending] = wait_for(client, task["id"], {"input-required"})["pending_approvals"]
        client.post(f"/v1/tasks/{task['id']}/approvals/{pending['id']}", json={"decision": "deny"})
        finished = wait_for(client, task["id"])
        messages = read_events(client, task["id"])

    assert finished["status"] == "completed" and not (workspace / "note.txt").exists()
    result = next(m["data"] for m in messages if m["event"] == "tool_result")
    assert result["ok"] is False


def test_yes_allows_every_tool_like_the_flag(start_service, models, workspace):
    models["scripted"] = ScriptedModel(calls(("write_file", {"path": "note.txt", "content": "hi"})), "written")
    service = start_service(model="scripted")
    with service.client() as client:
        task = submit(client, "write a note", cwd=str(workspace), yes=True)
        finished = wait_for(client, task["id"])
        messages = read_events(client, task["id"])

    assert finished["status"] == "completed" and (workspace / "note.txt").read_text() == "hi"
    assert "input-required" not in statuses(messages)


# cancelling ----------------------------------------------------------------------------------------------------------

UNDO_PLUGIN = '''
from pathlib import Path
from agentsh.tools.tool import tool

LOG = Path(__file__).with_name("undone.txt")


@tool(compensate="release")
def reserve(item: str) -> str:
    """Reserve an item."""
    return f"reserved {item}"


@tool
def release(item: str) -> str:
    """Release a reserved item."""
    with LOG.open("a") as log:
        log.write(item + "\\n")
    return f"released {item}"
'''


def planner(request):
    """A plan of two tasks; task a reserves a room, task b never finishes (it is cancelled)."""
    if request.response_format is not None:
        tasks = [{"id": "a", "description": "book the room", "depends_on": []},
                 {"id": "b", "description": "book the car", "depends_on": ["a"]}]
        return json.dumps({"goal": "a trip", "tasks": tasks})
    task = TASK_ID.search(request.messages[1].content).group(1)
    if task == "a":
        return "room booked" if request.messages[-1].role == "tool" else calls(("reserve", {"item": "room"}))
    return Reply("car booked", delay=30)


def test_cancelling_a_running_plan_stops_it_saves_it_and_undoes_its_completed_work(start_service, models, tmp_path, home):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "booking.py").write_text(UNDO_PLUGIN)
    models["scripted"] = ScriptedModel(default=planner)
    service = start_service(model="scripted", mode="planner", plugin_dirs=[plugins])
    seen: list[dict] = []
    with service.client() as client, service.client() as other:
        task = submit(client, "plan a trip", yes=True)
        with client.stream("GET", f"/v1/tasks/{task['id']}/events") as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                    step = seen[-1]
                    if step.get("kind") == "task" and step.get("status") == "done" and step["data"]["id"] == "a":
                        cancelled = other.delete(f"/v1/tasks/{task['id']}")
        view = client.get(f"/v1/tasks/{task['id']}").json()

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert view["status"] == "cancelled" and view["finished_at"]
    assert (plugins / "undone.txt").read_text() == "room\n"
    [undo] = [e for e in seen if e.get("kind") == "compensate"]
    assert undo["status"] == "done" and undo["data"]["undoes"] == "reserve"
    assert [e["status"] for e in seen if "status" in e and "type" not in e][-1] == "cancelled"
    assert next(e for e in seen if e.get("type") == "done")["interrupted"] is True
    with sqlite3.connect(home / "agentsh.db") as db:
        [(status,)] = db.execute("SELECT status FROM turns WHERE session_id = ?", [view["session_id"]]).fetchall()
    assert status == "interrupted"


def test_a_cancelled_queued_task_never_runs(start_service, models):
    models["scripted"] = model = GatedModel()
    service = start_service(model="scripted", concurrency=1)
    with service.client() as client:
        first, second = submit(client, "first"), submit(client, "second")
        wait_until(lambda: model.arrived == 1)
        cancelled = client.delete(f"/v1/tasks/{second['id']}")
        model.gate.set()
        wait_for(client, first["id"])
        messages = read_events(client, second["id"])

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["started_at"] is None and model.arrived == 1
    assert statuses(messages) == ["queued", "cancelled"]


# the concurrency bound -------------------------------------------------------------------------------------------------


def test_at_most_concurrency_tasks_run_at_once_and_the_rest_wait_queued(start_service, models):
    models["scripted"] = model = GatedModel()
    service = start_service(model="scripted", concurrency=2)
    with service.client() as client:
        tasks = [submit(client, f"task {n}") for n in range(4)]
        wait_until(lambda: model.arrived == 2)
        listed = client.get("/v1/tasks").json()["tasks"]
        health = client.get("/v1/health").json()
        threading.Event().wait(0.3)  # room for a third task to start, were the bound broken
        arrived_while_held = model.arrived
        model.gate.set()
        finished = [wait_for(client, task["id"]) for task in tasks]
        streams = [read_events(client, task["id"]) for task in tasks]

    assert sorted(task["status"] for task in listed) == ["queued", "queued", "running", "running"]
    assert (health["running"], health["queued"]) == (2, 2)
    assert arrived_while_held == 2 and model.most_at_once == 2
    assert [task["status"] for task in finished] == ["completed"] * 4
    assert all(statuses(stream) == ["queued", "running", "completed"] for stream in streams)


# restart survival ----------------------------------------------------------------------------------------------------


def test_a_restarted_service_runs_the_queued_tasks_and_marks_the_interrupted_ones(start_service, models, home):
    models["scripted"] = model = GatedModel("finished")
    first = start_service(model="scripted", concurrency=1)
    with first.client() as client:
        running, queued = submit(client, "running"), submit(client, "queued")
        wait_until(lambda: model.arrived == 1)
    first.stop()
    with sqlite3.connect(home / "agentsh.db") as db:
        stored = dict(db.execute("SELECT id, status FROM tasks").fetchall())
        [(turn_status,)] = db.execute("SELECT t.status FROM turns t JOIN tasks k ON k.turn_id = t.id WHERE k.id = ?", [running["id"]])
    assert stored == {running["id"]: "failed", queued["id"]: "queued"}
    assert turn_status == "interrupted"

    model.gate.set()
    second = start_service(model="scripted", concurrency=1)
    with second.client() as client:
        done = wait_for(client, queued["id"])
        interrupted = client.get(f"/v1/tasks/{running['id']}").json()
        rebuilt = read_events(client, running["id"])

    assert done["status"] == "completed" and done["answer"] == "finished"
    assert interrupted["status"] == "failed" and interrupted["error"] == "interrupted: the service stopped"
    assert rebuilt == [{"id": 1, "event": "status", "data": {"status": "failed"}}]  # rebuilt from the store: it stored no event


def test_tasks_a_killed_service_left_running_are_failed_at_the_next_start(start_service, models, home):
    service = start_service()
    with service.client() as client:
        task = submit(client, "hello")
        wait_for(client, task["id"])
    service.stop()
    with sqlite3.connect(home / "agentsh.db") as db:
        db.execute("UPDATE tasks SET status = 'input-required', finished_at = NULL")  # as a SIGKILL would leave it

    again = start_service()
    with again.client() as client:
        view = client.get(f"/v1/tasks/{task['id']}").json()
    assert view["status"] == "failed" and view["error"] == "interrupted: the service stopped"


# sessions and workspaces ---------------------------------------------------------------------------------------------


def test_a_task_can_continue_a_session_and_turns_on_one_session_run_one_after_another(start_service, models):
    models["scripted"] = model = ScriptedModel("one", Reply("two", delay=0.8), "three")
    service = start_service(model="scripted")
    with service.client() as client:
        first = submit(client, "first")
        session_id = wait_for(client, first["id"])["session_id"]
        second, third = submit(client, "second", session=session_id[:6]), submit(client, "third", session=session_id)
        views = [wait_for(client, task["id"]) for task in (second, third)]
        unknown = client.post("/v1/tasks", json={"prompt": "x", "session": "zzzzzz"})

    assert [view["session_id"] for view in views] == [session_id, session_id]
    assert [view["answer"] for view in views] == ["two", "three"]
    assert "one" in model.requests[2].text() and "two" in model.requests[2].text()  # the third turn began after the second
    assert unknown.status_code == 422 and "zzzzzz" in unknown.json()["error"]


def test_a_task_works_in_its_folder_with_the_trust_agentsh_run_would_give_it(start_service, models, tmp_path):
    folder = tmp_path / "cloned"
    (folder / "plugins").mkdir(parents=True)
    (folder / "plugins" / "evil.py").write_text("raise SystemExit('must not be imported')\n")
    (folder / "AGENTS.md").write_text("Always answer in French.\n")
    models["scripted"] = model = ScriptedModel(calls(("write_file", {"path": "out.txt", "content": "x"})), "ok")
    service = start_service(model="scripted")
    with service.client() as client:
        task = submit(client, "write", cwd=str(folder), yes=True)
        finished = wait_for(client, task["id"])
        notices = [m["data"]["message"] for m in read_events(client, task["id"]) if m["event"] == "notice"]

    assert finished["status"] == "completed" and (folder / "out.txt").read_text() == "x"
    assert any("plugins" in notice and "trust" in notice for notice in notices), notices
    assert "French" not in model.requests[0].text()


def test_a_task_answers_through_the_real_litellm_path(start_service, fake_server, monkeypatch):
    from fakeserver import Reply as ServerReply

    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.enqueue(ServerReply(text="Hello from the fake server."))
    service = start_service(model="openai/fake-model")
    with service.client() as client:
        task = submit(client, "hi")
        finished = wait_for(client, task["id"], timeout=30)

    assert finished["status"] == "completed" and finished["answer"] == "Hello from the fake server."
    assert fake_server.hits == 1 and fake_server.last_body["messages"][-1]["content"] == "hi"


# the database ------------------------------------------------------------------------------------------------------


def test_after_tasks_a_stopped_service_leaves_the_database_whole_with_no_wal_file_beside_it(start_service, home):
    service = start_service()
    with service.client() as client:
        tasks = [submit(client, f"task {n}", yes=True) for n in range(3)]
        finished = [wait_for(client, task["id"]) for task in tasks]
    service.stop()
    assert [task["status"] for task in finished] == ["completed"] * 3
    assert not (home / "agentsh.db-wal").exists() and not (home / "agentsh.db-shm").exists()
    with sqlite3.connect(home / "agentsh.db") as db:
        assert db.execute("SELECT count(*) FROM tasks WHERE status = 'completed'").fetchone() == (3,)
