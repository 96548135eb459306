"""The task service's HTTP API through a real uvicorn server on 127.0.0.1: auth, every endpoint, the event stream."""

from __future__ import annotations

import stat

from service_harness import read_events, statuses, submit, wait_for

from agentsh.service.files import service_dir, token_path


def test_every_request_needs_the_token_and_the_token_is_the_owners_only(start_service, home):
    service = start_service()

    for token in ("", "wrong", service.service.token + "x"):
        with service.client(token) as client:
            for method, path in [("GET", "/v1/health"), ("GET", "/v1/tasks"), ("POST", "/v1/tasks"), ("GET", "/openapi.json")]:
                answer = client.request(method, path, json={"prompt": "hi"})
                assert answer.status_code == 401, (token, path)
                assert "token" in answer.json()["error"]
    with service.client("") as client:
        assert client.get("/v1/health", headers={"Authorization": f"Basic {service.service.token}"}).status_code == 401
    with service.client() as client:
        assert client.get("/v1/tasks").json() == {"tasks": []}  # nothing was queued by the refused requests
    assert stat.S_IMODE(token_path(home).stat().st_mode) == 0o600
    assert stat.S_IMODE(service_dir(home).stat().st_mode) == 0o700
    assert len(token_path(home).read_text().strip()) >= 40


def test_a_task_runs_one_turn_and_streams_its_events(start_service):
    service = start_service()
    with service.client() as client:
        created = submit(client, "hello there")
        assert created["status"] == "queued" and created["prompt"] == "hello there" and created["origin"] == "api"

        messages = read_events(client, created["id"])
        view = client.get(f"/v1/tasks/{created['id']}").json()

    assert [m["id"] for m in messages] == list(range(1, len(messages) + 1))
    assert statuses(messages) == ["queued", "running", "completed"]
    kinds = [m["event"] for m in messages]
    assert kinds[:3] == ["status", "status", "session"] and kinds[-2:] == ["done", "status"]
    done = messages[-2]["data"]
    assert done["type"] == "done" and "You said: hello there" in done["output"]
    assert view["status"] == "completed" and view["answer"] == done["output"]
    assert view["session_id"] == messages[2]["data"]["session_id"] and view["model"] == "offline"
    assert view["usage"]["input"] > 0 and view["model_calls"] == 1
    assert view["started_at"] and view["finished_at"] and view["error"] is None


def test_the_events_resume_after_the_last_event_id(start_service):
    service = start_service()
    with service.client() as client:
        task = submit(client, "resume me")
        everything = read_events(client, task["id"])
        after_header = read_events(client, task["id"], headers={"Last-Event-ID": "3"})
        after_query = read_events(client, task["id"], params={"after": 5})

    assert after_header == everything[3:]
    assert after_query == everything[5:]
    assert after_header[0]["id"] == 4


def test_tasks_are_listed_newest_first_and_by_status(start_service):
    service = start_service()
    with service.client() as client:
        first, second = submit(client, "one"), submit(client, "two")
        wait_for(client, first["id"]), wait_for(client, second["id"])
        listed = client.get("/v1/tasks").json()["tasks"]
        completed = client.get("/v1/tasks", params={"status": "completed", "limit": 1}).json()["tasks"]
        queued = client.get("/v1/tasks", params={"status": "queued"}).json()["tasks"]
        health = client.get("/v1/health").json()

    assert [t["id"] for t in listed] == [second["id"], first["id"]]
    assert [t["id"] for t in completed] == [second["id"]]
    assert queued == []
    assert health["running"] == 0 and health["queued"] == 0 and health["protocol"] == 1 and health["pid"] > 0


def test_bad_requests_get_one_clear_line(start_service, workspace):
    service = start_service()
    with service.client() as client:
        task = submit(client, "finish first")
        wait_for(client, task["id"])
        answers = {
            "unknown task": client.get("/v1/tasks/nope"),
            "unknown task's events": client.get("/v1/tasks/nope/events"),
            "cancel unknown": client.delete("/v1/tasks/nope"),
            "cancel finished": client.delete(f"/v1/tasks/{task['id']}"),
            "no such approval": client.post(f"/v1/tasks/{task['id']}/approvals/x", json={"decision": "allow"}),
            "bad decision": client.post(f"/v1/tasks/{task['id']}/approvals/x", json={"decision": "maybe"}),
            "not json": client.post("/v1/tasks", content=b"{nope"),
            "no prompt": client.post("/v1/tasks", json={"mode": "chat"}),
            "unknown field": client.post("/v1/tasks", json={"prompt": "x", "promt": "y"}),
            "missing folder": client.post("/v1/tasks", json={"prompt": "x", "cwd": str(workspace / "absent")}),
            "unknown mode": client.post("/v1/tasks", json={"prompt": "x", "mode": "nonsense"}),
            "bad schema": client.post("/v1/tasks", json={"prompt": "x", "schema": {"type": "nonsense"}}),
            "bad status": client.get("/v1/tasks", params={"status": "sleeping"}),
            "bad limit": client.get("/v1/tasks", params={"limit": "many"}),
            "bad resume": client.get(f"/v1/tasks/{task['id']}/events", headers={"Last-Event-ID": "x"}),
            "no route": client.get("/v2/other"),
        }
        listed = client.get("/v1/tasks").json()["tasks"]

    codes = {name: answer.status_code for name, answer in answers.items()}
    assert codes == {
        "unknown task": 404, "unknown task's events": 404, "cancel unknown": 404, "cancel finished": 409, "no such approval": 404,
        "bad decision": 422, "not json": 400, "no prompt": 422, "unknown field": 422, "missing folder": 422, "unknown mode": 422,
        "bad schema": 422, "bad status": 400, "bad limit": 400, "bad resume": 400, "no route": 404,
    }
    for answer in answers.values():
        message = answer.json()["error"]
        assert message and "\n" not in message and "Traceback" not in message
    assert "already finished" in answers["cancel finished"].json()["error"]
    assert "absent" in answers["missing folder"].json()["error"]
    assert len(listed) == 1  # nothing refused was queued


def test_the_openapi_description_covers_every_endpoint(start_service):
    service = start_service()
    with service.client() as client:
        document = client.get("/openapi.json").json()

    assert document["openapi"].startswith("3.")
    operations = {(path, method) for path, item in document["paths"].items() for method in item if method != "parameters"}
    assert operations == {
        ("/v1/health", "get"), ("/v1/tasks", "post"), ("/v1/tasks", "get"), ("/v1/tasks/{task_id}", "get"),
        ("/v1/tasks/{task_id}", "delete"), ("/v1/tasks/{task_id}/approvals/{approval_id}", "post"),
        ("/v1/tasks/{task_id}/events", "get"), ("/openapi.json", "get"),
    }
    schemas = document["components"]["schemas"]
    assert {"TaskRequest", "TaskView", "ApprovalAnswer", "Health"} <= set(schemas)
    assert "schema" in schemas["TaskRequest"]["properties"] and schemas["TaskRequest"]["required"] == ["prompt"]
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return
    validate(document)


def test_event_data_is_the_run_json_line_with_control_characters_escaped(start_service):
    service = start_service()
    with service.client() as client:
        task = submit(client, "echo \x9b31m and \x1b[2J please")
        wait_for(client, task["id"])
        with client.stream("GET", f"/v1/tasks/{task['id']}/events") as stream:
            raw = "".join(stream.iter_text())

    assert "\x9b" not in raw and "\x1b" not in raw
    assert "\\u009b31m" in raw and "\\u001b[2J" in raw
