"""The service's A2A face, through the a2a-sdk's own client against a real `agentsh serve` (uvicorn on 127.0.0.1, port 0):
the agent card, a message as a task (listed by GET /v1/tasks), streaming, input-required and its answer, cancel; and an
agentsh supervisor whose worker is a second `agentsh serve`."""

from __future__ import annotations

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.helpers import get_artifact_text, get_message_text, new_text_message
from a2a.types.a2a_pb2 import CancelTaskRequest, Role, SendMessageRequest, StreamResponse, Task, TaskState
from service_harness import RunningService, submit, wait_for

from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel, calls

APPROVAL_PROMPT = "please call write_file for notes.txt"  # the offline model calls write_file, which needs approval


def http(service: RunningService, token: str | None = None) -> httpx.AsyncClient:
    token = service.service.token if token is None else token
    return httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=20)


async def send(service: RunningService, text: str, streaming: bool = True, **message) -> list[StreamResponse]:
    """Every reply to one message, through the SDK's client (the card fetched first, as any A2A client does)."""
    async with http(service) as client:
        card = await A2ACardResolver(client, service.url).get_agent_card()
        agent = ClientFactory(ClientConfig(httpx_client=client, streaming=streaming)).create(card)
        request = SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER, **message))
        return [reply async for reply in agent.send_message(request)]


async def send_with_skill(service: RunningService, text: str, skill: str) -> list[StreamResponse]:
    async with http(service) as client:
        card = await A2ACardResolver(client, service.url).get_agent_card()
        agent = ClientFactory(ClientConfig(httpx_client=client)).create(card)
        request = SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER))
        request.message.metadata["skill"] = skill
        return [reply async for reply in agent.send_message(request)]


def final_task(replies: list[StreamResponse]) -> tuple[str, int, str]:
    """(task id, last state, the last status message's text) of a reply stream."""
    task_id, state, said = "", TaskState.TASK_STATE_UNSPECIFIED, ""
    for reply in replies:
        if reply.HasField("task"):
            task_id, state = reply.task.id, reply.task.status.state
            said = get_message_text(reply.task.status.message) or said
        elif reply.HasField("status_update"):
            task_id, state = reply.status_update.task_id, reply.status_update.status.state
            said = get_message_text(reply.status_update.status.message) or said
    return task_id, state, said


def chunks(replies: list[StreamResponse]) -> list[tuple[str, bool]]:
    return [(get_artifact_text(r.artifact_update.artifact, ""), r.artifact_update.append) for r in replies if r.HasField("artifact_update")]


async def test_the_agent_card_lists_the_modes_and_workflows_and_needs_the_token(start_service):
    service = start_service()
    async with http(service, token="") as client:
        refused = await client.get(f"{service.url}/.well-known/agent-card.json")
        assert refused.status_code == 401
        assert (await client.post(f"{service.url}/a2a", json={"jsonrpc": "2.0", "id": 1, "method": "SendMessage"})).status_code == 401
    async with http(service) as client:
        card = await A2ACardResolver(client, service.url).get_agent_card()

    skills = {skill.id: skill for skill in card.skills}
    assert {"chat", "supervisor", "planner", "workflow:research-report", "workflow:trip-booking"} <= set(skills)
    assert skills["workflow:research-report"].description == "research a goal and write a reviewed report"
    assert card.supported_interfaces[0].url == f"{service.url}/a2a" and card.capabilities.streaming
    assert card.security_schemes["bearer"].http_auth_security_scheme.scheme == "Bearer"
    assert list(card.security_requirements[0].schemes) == ["bearer"]


async def test_a_message_is_a_task_of_the_service_listed_with_origin_a2a(start_service):
    service = start_service()

    replies = await send(service, "hello there", streaming=False)

    [reply] = replies
    task: Task = reply.task
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    answer = get_artifact_text(task.artifacts[0], "")
    assert "You said: hello there" in answer
    with service.client() as client:
        view = client.get(f"/v1/tasks/{task.id}").json()
        listed = client.get("/v1/tasks").json()["tasks"]
    assert (view["origin"], view["status"], view["answer"], view["prompt"]) == ("a2a", "completed", answer, "hello there")
    assert [t["id"] for t in listed] == [task.id]


async def test_a_streamed_task_sends_its_text_as_artifact_chunks_then_the_whole_answer(start_service):
    service = start_service()

    replies = await send(service, "stream this please")

    task_id, state, _ = final_task(replies)
    assert state == TaskState.TASK_STATE_COMPLETED
    pieces = chunks(replies)
    *deltas, (whole, append) = pieces
    assert len(deltas) >= 2 and not deltas[0][1] and all(more for _, more in deltas[1:])  # created, then appended to
    assert "".join(text for text, _ in deltas) == whole and not append  # the final artifact replaces the chunks
    with service.client() as client:
        assert client.get(f"/v1/tasks/{task_id}").json()["answer"] == whole


async def test_a_skill_picks_the_mode_and_an_unknown_skill_is_rejected_in_one_line(start_service):
    service = start_service()

    chosen = await send_with_skill(service, "hello", "chat")
    unknown = await send_with_skill(service, "hello", "juggling")

    task_id, state, _ = final_task(chosen)
    assert state == TaskState.TASK_STATE_COMPLETED
    with service.client() as client:
        assert client.get(f"/v1/tasks/{task_id}").json()["mode"] == "chat"
    _, state, said = final_task(unknown)
    assert state == TaskState.TASK_STATE_REJECTED
    assert said == "unknown skill 'juggling'; the agent card lists this service's skills"


async def test_an_approval_is_input_required_and_a_reply_on_the_task_answers_it(start_service, workspace):
    service = start_service()

    waiting = await send(service, APPROVAL_PROMPT)

    task_id, state, said = final_task(waiting)
    assert state == TaskState.TASK_STATE_INPUT_REQUIRED  # the stream ended: nobody is left hanging
    assert said.startswith("the task wants to call write_file ") and said.endswith(": reply allow, deny or always")
    with service.client() as client:
        assert client.get(f"/v1/tasks/{task_id}").json()["status"] == "input-required"
    context_id = next(r.task.context_id for r in waiting if r.HasField("task"))

    answered = await send(service, "allow", task_id=task_id, context_id=context_id)

    assert final_task(answered)[1] == TaskState.TASK_STATE_COMPLETED
    assert (workspace / "notes.txt").exists()
    with service.client() as client:
        assert client.get(f"/v1/tasks/{task_id}").json()["status"] == "completed"


async def test_cancelling_the_a2a_task_cancels_the_service_task(start_service):
    service = start_service()
    waiting = await send(service, APPROVAL_PROMPT)
    task_id = final_task(waiting)[0]

    async with http(service) as client:
        card = await A2ACardResolver(client, service.url).get_agent_card()
        cancelled = await ClientFactory(ClientConfig(httpx_client=client)).create(card).cancel_task(CancelTaskRequest(id=task_id))

    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    with service.client() as client:
        assert wait_for(client, task_id)["status"] == "cancelled"


async def test_a_supervisor_task_delegates_to_a_second_agentsh_serve(start_service, models, tmp_path, monkeypatch):
    worker_home = tmp_path / "worker-home"
    worker_home.mkdir()
    worker = RunningService(Settings(home=worker_home, model="offline"), tmp_path).start()
    try:
        monkeypatch.setenv("WORKER_TOKEN", worker.service.token)
        models["manager"] = ScriptedModel(
            calls(("delegate", {"worker": "remote", "task": "check the build"})),
            lambda request: f"The remote worker said: {request.messages[-1].content}",
        )
        remote = {"url": worker.url, "headers": {"Authorization": "Bearer ${WORKER_TOKEN}"}}
        service = start_service(model="manager", agents={"remote": remote}, modes={"supervisor": {"workers": ["remote"]}})
        with service.client() as client:
            view = wait_for(client, submit(client, "is the build green?", mode="supervisor")["id"], timeout=60)
        with worker.client() as client:
            [remote_task] = client.get("/v1/tasks").json()["tasks"]
    finally:
        worker.stop()

    assert remote_task["origin"] == "a2a" and remote_task["prompt"] == "check the build" and remote_task["status"] == "completed"
    assert view["status"] == "completed", view
    assert view["answer"] == f"The remote worker said: {remote_task['answer']}"
    assert "You said: check the build" in remote_task["answer"]


async def test_messages_of_one_a2a_context_continue_one_session(start_service):
    service = start_service()

    first = await send(service, "my name is Ada")
    context_id = next(r.task.context_id for r in first if r.HasField("task"))
    second = await send(service, "and again", context_id=context_id)
    elsewhere = await send(service, "a new conversation")

    with service.client() as client:
        sessions = [client.get(f"/v1/tasks/{final_task(replies)[0]}").json()["session_id"] for replies in (first, second, elsewhere)]
    assert sessions[0] == sessions[1] and sessions[2] != sessions[0]
