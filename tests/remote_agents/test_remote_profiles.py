"""A remote A2A agent as a profile (`[agents.NAME] url`): a real A2A server built with the a2a-sdk's own
server classes (tests/a2a_agents.py) answers wherever a profile runs, the local side on a scripted model."""

from __future__ import annotations

import asyncio
import textwrap

import pytest

from agentsh.config import Settings, config_dir, load_settings
from agentsh.errors import ConfigError
from agentsh.events import Error, Notice, Step, TextDelta, ToolResult
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.profiles import BUNDLED_PROFILES
from agentsh.session import Session

from a2a_agents import Asker, Echo, Failer, Rejecter, Sleeper, Streamer, free_port_url, serve_agent
from helpers import done, of, send

MANAGER_PROMPT = BUNDLED_PROFILES["supervisor"].system_prompt


def open_session(home, model: ScriptedModel, url: str, mode: str, **settings) -> Session:
    remote = {"url": url, **settings.pop("remote", {})}
    settings.setdefault("memory", {"consolidate": False})
    session = Session.open(Settings(home=home, model="offline", mode=mode, agents={"remote": remote}, **settings))
    session.model = model
    return session


def remote_steps(events: list, status: str | None = None) -> list[Step]:
    return [s for s in of(events, Step) if s.kind == "remote" and (status is None or s.status == status)]


def routed_to_remote(session_model: ScriptedModel) -> ScriptedModel:
    return session_model.add('{"reason": "the colleague knows", "route": "remote"}')


async def test_a_supervisor_delegates_to_a_remote_worker_and_reads_its_answer(home):
    model = ScriptedModel(
        calls(("delegate", {"worker": "remote", "task": "what is x?"})),
        lambda request: f"The colleague said: {request.messages[-1].content}",
    )
    with serve_agent(Echo()) as agent:
        session = open_session(home, model, agent.url, "supervisor", modes={"supervisor": {"workers": ["remote", "writer"]}})
        events = await send(session, "find x")

    assert agent.executor.requests == ["what is x?"]
    [result] = of(events, ToolResult)
    assert result.ok and result.output == "echo: what is x?"
    assert done(events).output == "The colleague said: echo: what is x?"
    [running, finished] = remote_steps(events)
    assert (running.status, finished.status) == ("running", "done")
    assert finished.data == {"agent": "remote", "url": agent.url, "answer": "echo: what is x?"}
    assert f"- remote: a remote agent at {agent.url}" in model.requests[0].messages[0].content  # the manager's worker list
    assert len(model.requests) == 2  # the worker's answer cost no local model call


async def test_a_streaming_remote_branch_streams_its_answer_and_reports_its_status(home):
    model = ScriptedModel(default=lambda request: "merged")
    with serve_agent(Streamer()) as agent:
        session = open_session(home, model, agent.url, "parallel", modes={"parallel": {"branches": ["remote", "researcher"]}})
        events = await send(session, "how tall is the tower?")

    remote_text = "".join(e.delta for e in of(events, TextDelta) if e.agent == "remote")
    assert remote_text == "streamed answer to: how tall is the tower?"
    assert len([e for e in of(events, TextDelta) if e.agent == "remote"]) > 3  # chunks, not one piece at the end
    said = [s for s in remote_steps(events, "running") if s.data.get("message")]
    assert [(s.title, s.data["state"]) for s in said] == [("remote: reading the request", "working")]
    aggregated = model.requests[-1].text()
    assert "streamed answer to: how tall is the tower?" in aggregated
    assert done(events).output == "merged"


async def test_a_failed_remote_branch_is_left_out_and_the_others_go_on(home):
    model = ScriptedModel(default=lambda request: "merged" if "answers" in request.messages[-1].content else "local answer")
    with serve_agent(Failer("out of memory")) as agent:
        session = open_session(home, model, agent.url, "parallel", modes={"parallel": {"branches": ["remote", "researcher"]}})
        events = await send(session, "go")

    assert any(n.message == "remote failed; going on with the other branches" for n in of(events, Notice))
    [failed] = [s for s in of(events, Step) if s.kind == "branch" and s.status == "failed"]
    assert failed.data["error"] == "the remote agent 'remote' failed: out of memory"
    assert done(events).output == "merged"


async def test_a_remote_debater_answers_every_round_and_the_moderator_weighs_it(home):
    def respond(request):
        return "final verdict" if "Answer 1" in request.messages[-1].content else "local view"

    model = ScriptedModel(default=respond)
    with serve_agent(Echo()) as agent:
        debate = {"debaters": ["remote", "writer"], "rounds": 2, "judge": "moderator"}
        session = open_session(home, model, agent.url, "debate", modes={"debate": debate})
        events = await send(session, "tabs or spaces?")

    assert len(agent.executor.requests) == 2  # both rounds
    assert agent.executor.requests[0] == "tabs or spaces?"
    assert "local view" in agent.executor.requests[1]  # round 2 shows it the other answers
    assert "echo: tabs or spaces?" in model.requests[-1].text()  # the moderator read the remote's answer
    assert done(events).output == "final verdict"


async def test_a_workflow_agent_node_can_be_a_remote_agent(home):
    folder = config_dir() / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ask.toml").write_text(textwrap.dedent("""
        [nodes.colleague]
        kind = "agent"
        agent = "remote"
        prompt = "Please check: {request}"
        [nodes.reply]
        kind = "agent"
        agent = "writer"
        prompt = "Tell the user: {colleague}"
    """), encoding="utf-8")
    model = ScriptedModel(default=lambda request: f"done; {request.messages[-1].content}")
    with serve_agent(Echo()) as agent:
        session = open_session(home, model, agent.url, "workflow:ask")
        events = await send(session, "the numbers")

    assert agent.executor.requests == ["Please check: the numbers"]
    assert done(events).output == "done; Tell the user: echo: Please check: the numbers"
    assert [s.status for s in remote_steps(events)] == ["running", "done"]


async def test_a_routed_remote_agent_answers_the_user_directly_and_its_card_is_fetched_once(home):
    model = ScriptedModel()
    with serve_agent(Streamer()) as agent:
        session = open_session(home, model, agent.url, "router", modes={"router": {"routes": ["remote", "writer"]}})
        routed_to_remote(model)
        first = await send(session, "one")
        routed_to_remote(model)
        second = await send(session, "two")

    assert done(first).output == "streamed answer to: one"
    assert done(second).output == "streamed answer to: two"
    assert {e.agent for e in of(second, TextDelta)} == {None}  # the answer itself, not a sub-agent's
    assert agent.executor.requests[1] == (
        "The conversation so far:\n\nuser: one\n\nassistant: streamed answer to: one\n\nYour task:\ntwo"
    )
    assert agent.card_requests == 1
    assert [m.content for m in session.history()] == ["one", "streamed answer to: one", "two", "streamed answer to: two"]


@pytest.mark.parametrize(
    ("executor", "expected"),
    [
        (Failer(), "the remote agent 'remote' failed: [bold red]disk on fire[/bold red]"),
        (Rejecter(), "the remote agent 'remote' rejected the task: I only answer questions about trains"),
        (Asker(), "the remote agent 'remote' asked for input: which city do you mean?"),
    ],
    ids=["failed", "rejected", "input-required"],
)
async def test_a_remote_task_that_ends_without_an_answer_is_one_clear_line(home, executor, expected):
    model = routed_to_remote(ScriptedModel())
    with serve_agent(executor) as agent:
        session = open_session(home, model, agent.url, "router", modes={"router": {"routes": ["remote", "writer"]}})
        events = await asyncio.wait_for(send(session, "go"), 20)

    [error] = of(events, Error)
    assert error.message == expected  # the remote's words literally, markup and all
    [failed] = remote_steps(events, "failed")
    assert failed.data["error"] == expected
    if isinstance(executor, Asker):  # a question nobody here will answer: the remote task is cancelled, not left waiting
        assert len(executor.cancelled) == 1


async def test_an_unreachable_remote_agent_is_one_line_naming_its_address(home):
    url = free_port_url()
    session = open_session(home, routed_to_remote(ScriptedModel()), url, "router", modes={"router": {"routes": ["remote", "writer"]}})

    [error] = of(await send(session, "go"), Error)

    assert error.message.startswith(f"cannot reach remote agent 'remote' at {url} (")
    assert error.message.endswith("): is it running?") and "\n" not in error.message


async def test_a_remote_agent_that_wants_a_token_gets_it_from_the_environment(home, monkeypatch):
    routes = {"router": {"routes": ["remote", "writer"]}}
    with serve_agent(Echo(), token="s3cret") as agent:
        refused = open_session(home, routed_to_remote(ScriptedModel()), agent.url, "router", modes=routes)
        [error] = of(await send(refused, "go"), Error)
        assert error.message.startswith(f"remote agent 'remote' at {agent.url} refused the request (HTTP 401): give it a token with")

        headers = {"Authorization": "Bearer ${A2A_TEST_TOKEN}"}
        unset = open_session(home, routed_to_remote(ScriptedModel()), agent.url, "router", modes=routes, remote={"headers": headers})
        [error] = of(await send(unset, "go"), Error)
        assert "uses ${A2A_TEST_TOKEN}, which is not set in the environment" in error.message

        monkeypatch.setenv("A2A_TEST_TOKEN", "s3cret")
        allowed = open_session(home, routed_to_remote(ScriptedModel()), agent.url, "router", modes=routes, remote={"headers": headers})
        events = await send(allowed, "go")
    assert done(events).output == "echo: go"


async def test_cancelling_the_turn_cancels_the_remote_task(home):
    sleeper = Sleeper()
    with serve_agent(sleeper) as agent:
        session = open_session(home, routed_to_remote(ScriptedModel()), agent.url, "router", modes={"router": {"routes": ["remote", "writer"]}})
        events = []
        async for event in session.send("think"):
            events.append(event)
            if isinstance(event, Step) and event.kind == "remote" and event.data.get("state") == "working":
                session.cancel()  # what Esc / Ctrl+C does, once the remote agent is at work
        for _ in range(100):
            if sleeper.cancelled:
                break
            await asyncio.sleep(0.05)
    assert len(sleeper.cancelled) == 1
    assert remote_steps(events)[-1].status == "cancelled"


def open_with_config(home, monkeypatch, text: str) -> Session:
    config = home.parent / "config.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    return Session.open(load_settings({"home": home, "model": "offline"}))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[agents.helper]\nurl = "http://127.0.0.1:9"\nmode = "debate"\n', "agents.helper: an agent is either a remote agent (url) or a mode, not both"),
        ('[agents.helper]\nurl = "ftp://host"\n', "agents.helper.url: 'ftp://host' is not an http:// or https:// address of an A2A agent"),
        ('[agents.helper]\nsystem_prompt = "x"\ntimeout = 5\n', "agents.helper.timeout: timeout is for a remote agent: add url, or remove timeout"),
        ('[agents.router]\nurl = "http://127.0.0.1:9"\n', "agents.router.url: the router profile makes the router mode's routes"),
        (
            '[agents.helper]\nurl = "http://127.0.0.1:9"\n[modes.reflect]\ncritic = "helper"\n',
            "modes.reflect.critic: 'helper' is a remote agent; this agent gives a structured decision in one call",
        ),
        (
            '[agents.helper]\nurl = "http://127.0.0.1:9"\n[modes.debate]\ndebaters = ["helper", "writer"]\njudge = "vote"\n',
            "modes.debate.debaters[0]: 'helper' is a remote agent",
        ),
    ],
    ids=["with-mode", "not-http", "timeout-without-url", "deciding-profile", "structured-decision", "debate-ballot"],
)
def test_config_mistakes_about_remote_agents_are_one_line(home, monkeypatch, table, expected):
    with pytest.raises(ConfigError) as caught:
        open_with_config(home, monkeypatch, table)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_remote_agent_needs_no_system_prompt(home, monkeypatch):
    session = open_with_config(home, monkeypatch, '[agents.helper]\nurl = "http://127.0.0.1:9"\ntimeout = 30\n')
    assert session.settings.agents["helper"].url == "http://127.0.0.1:9"


async def test_a_remote_agent_silent_past_its_timeout_is_one_line_not_a_hang(home):
    routes = {"router": {"routes": ["remote", "writer"]}}
    with serve_agent(Sleeper()) as agent:
        session = open_session(home, routed_to_remote(ScriptedModel()), agent.url, "router", modes=routes, remote={"timeout": 1})
        [error] = of(await asyncio.wait_for(send(session, "think"), 20), Error)

    assert error.message == f"remote agent 'remote' at {agent.url} sent nothing for 1 s (raise [agents.remote] timeout)"
