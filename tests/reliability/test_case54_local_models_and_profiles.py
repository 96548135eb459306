"""Case 54: local model servers are first-class, and every call uses its profile's settings.

Seen on 2026-12-01: nothing told a user with no API key that the llama.cpp server they had
started could be used, nor how (litellm's `openai/` provider wants a key even for a local
server); and a profile's temperature never reached its structured decisions, while the router
classified on the session's model whatever `[agents.router]` said.

`agentsh models` asks the configured servers and the usual local ports (here: fakes, through
AGENTSH_LOCAL_SERVERS) for their models, without litellm; a server that does not answer is one
line naming its URL. The first-start notice offers a running server with a command that works.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest
from reliability_support import agentsh_env

from fakeserver import PROFILES, FakeOpenAIServer, Reply

LOCAL_MODEL = "qwen2.5-0.5b-instruct"
OLLAMA_MODEL = "llama3.2:latest"


@pytest.fixture
def local_server():
    """An OpenAI-compatible server as llama.cpp's llama-server runs it: it lists one model and answers."""
    with FakeOpenAIServer() as server:
        server.listed_models = [LOCAL_MODEL]
        server.default_reply = Reply(text="hello from the local model")
        yield server


@pytest.fixture
def ollama():
    with FakeOpenAIServer() as server:
        server.profile = PROFILES["ollama"]
        server.listed_models = [OLLAMA_MODEL, "qwen2.5:0.5b"]
        yield server


def closed_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung server)."""
    with closing(socket.socket()) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def list_models(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`agentsh models ARGS` in a fresh process, which must not import litellm."""
    code = (
        "import sys\nfrom agentsh.cli.main import main\nstatus = main(sys.argv[1:])\n"
        "assert 'litellm' not in sys.modules, 'agentsh models imported litellm'\nsys.exit(status)"
    )
    return subprocess.run([sys.executable, "-c", code, "models", *args], env=agentsh_env(**env),
                          capture_output=True, text=True, timeout=60)


# agentsh models ------------------------------------------------------------------------------------


def test_case54_models_lists_an_openai_compatible_server_and_an_ollama(local_server, ollama):
    servers = f"{local_server.base_url} ollama=http://127.0.0.1:{ollama.port}"

    listed = list_models(AGENTSH_LOCAL_SERVERS=servers)

    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    assert f"OpenAI-compatible server at {local_server.base_url}" in listed.stdout
    assert f"  openai/{LOCAL_MODEL}\n" in listed.stdout
    assert f"use: OPENAI_BASE_URL={local_server.base_url} OPENAI_API_KEY=local agentsh --model openai/{LOCAL_MODEL}" in listed.stdout
    assert f"Ollama at http://127.0.0.1:{ollama.port}" in listed.stdout
    assert f"  ollama_chat/{OLLAMA_MODEL}\n  ollama_chat/qwen2.5:0.5b\n" in listed.stdout
    assert [r["path"] for r in local_server.requests] == ["/v1/models"]
    assert [r["path"] for r in ollama.requests] == ["/api/tags"]


def test_case54_models_json_for_scripts(local_server, ollama):
    servers = f"{local_server.base_url} ollama=http://127.0.0.1:{ollama.port}"

    listed = list_models("--json", AGENTSH_LOCAL_SERVERS=servers)

    assert listed.returncode == 0, listed.stderr
    openai, ollama_listing = json.loads(listed.stdout)
    assert (openai["api"], openai["url"], openai["ok"]) == ("openai", local_server.base_url, True)
    assert openai["models"] == [{"name": LOCAL_MODEL, "model": f"openai/{LOCAL_MODEL}"}]
    assert openai["environment"] == {"OPENAI_BASE_URL": local_server.base_url, "OPENAI_API_KEY": "local"}
    assert ollama_listing["models"][0] == {"name": OLLAMA_MODEL, "model": f"ollama_chat/{OLLAMA_MODEL}"}
    assert ollama_listing["environment"] == {"OLLAMA_API_BASE": f"http://127.0.0.1:{ollama.port}"}  # not on 11434


def test_case54_only_the_configured_server_gets_the_key_litellm_would_send_it(local_server):
    with FakeOpenAIServer() as other:
        listed = list_models(OPENAI_BASE_URL=local_server.base_url, OPENAI_API_KEY="sk-local-test", AGENTSH_LOCAL_SERVERS=other.base_url)

    assert listed.returncode == 0, listed.stderr
    assert f"use: agentsh --model openai/{LOCAL_MODEL}" in listed.stdout  # nothing more to set
    assert local_server.requests[0]["headers"]["authorization"] == "Bearer sk-local-test"
    assert "authorization" not in other.requests[0]["headers"], "the key went to a port nobody configured"


@pytest.mark.parametrize("variable", ["OPENAI_BASE_URL", "OLLAMA_HOST"])
def test_case54_an_unreachable_server_is_one_line_naming_its_url(variable):
    port = closed_port()
    value = f"http://127.0.0.1:{port}/v1" if variable == "OPENAI_BASE_URL" else f"127.0.0.1:{port}"
    started = time.monotonic()

    listed = list_models(**{variable: value})

    assert listed.returncode == 1 and listed.stdout == ""
    [line] = listed.stderr.splitlines()
    url = f"http://127.0.0.1:{port}/v1/models" if variable == "OPENAI_BASE_URL" else f"http://127.0.0.1:{port}/api/tags"
    assert line == f"agentsh: {url} ({variable}): nothing answers (connection refused): is the server running?"
    assert time.monotonic() - started < 20  # a process start; the probe itself is immediate


def test_case54_a_hung_local_server_costs_half_a_second(local_server):
    with silent_server() as port:
        started = time.monotonic()
        listed = list_models(OPENAI_BASE_URL=f"http://127.0.0.1:{port}/v1", AGENTSH_LOCAL_SERVERS=local_server.base_url)
        elapsed = time.monotonic() - started

    assert listed.returncode == 1
    assert f"openai/{LOCAL_MODEL}" in listed.stdout, "the server that answers is still listed"
    [line] = listed.stderr.splitlines()
    assert line == f"agentsh: http://127.0.0.1:{port}/v1/models (OPENAI_BASE_URL): no answer within 0.5 s"
    assert "Traceback" not in listed.stderr
    assert elapsed < 20


def test_case54_no_server_at_all_is_one_line_listing_where_it_looked():
    port = closed_port()

    listed = list_models(AGENTSH_LOCAL_SERVERS=f"http://127.0.0.1:{port}/v1")

    assert listed.returncode == 1 and listed.stdout == ""
    [line] = listed.stderr.splitlines()
    assert line.startswith(f"agentsh: no model server answers; tried http://127.0.0.1:{port}/v1/models.")
    assert "OPENAI_BASE_URL" in line and "OLLAMA_HOST" in line


def test_case54_hostile_model_names_are_left_out():
    with FakeOpenAIServer() as server:
        server.listed_models = ["good-model", "evil\x1b]0;PWNED\x07", "x" * 5000, "two\nlines"]
        listed = list_models(AGENTSH_LOCAL_SERVERS=server.base_url)

    assert listed.returncode == 0
    assert "openai/good-model" in listed.stdout
    assert "\x1b" not in listed.stdout and "PWNED" not in listed.stdout and "x" * 300 not in listed.stdout
    assert "two" not in listed.stdout


# the first-start notice ----------------------------------------------------------------------------


def offline_run(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agentsh", "run", "--no-stdin", "hello"], env=agentsh_env(**env),
                          capture_output=True, text=True, timeout=60)


def test_case54_the_first_start_notice_offers_a_running_local_server_with_a_command_that_works(local_server, home):
    first = offline_run(AGENTSH_LOCAL_SERVERS=local_server.base_url, AGENTSH_HOME=str(home))

    assert first.returncode == 0, first.stderr
    assert "(offline model)" in first.stdout
    offer = f"A local model server is running at {local_server.base_url} with the model {LOCAL_MODEL}"
    assert offer in first.stderr
    command = re.search(r"to use it, run `([^`]*)`", first.stderr)
    assert command is not None, first.stderr
    words = shlex.split(command.group(1))
    assert words[:2] == [f"OPENAI_BASE_URL={local_server.base_url}", "OPENAI_API_KEY=local"]
    assert words[2:] == ["agentsh", "--model", f"openai/{LOCAL_MODEL}"]

    # the offered command, as the user would type it, reaches the local server through litellm
    variables = dict(word.split("=", 1) for word in words[:2])
    used = subprocess.run([sys.executable, "-m", "agentsh", "run", "--no-stdin", *words[3:], "hello"],
                          env=agentsh_env(AGENTSH_HOME=str(home), **variables), capture_output=True, text=True, timeout=60)
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == "hello from the local model"
    assert local_server.last_body["model"] == LOCAL_MODEL


def test_case54_an_ollama_is_offered_with_its_model_string(ollama, home):
    first = offline_run(AGENTSH_LOCAL_SERVERS=f"ollama=http://127.0.0.1:{ollama.port}", AGENTSH_HOME=str(home))

    assert first.returncode == 0, first.stderr
    assert f"OLLAMA_API_BASE=http://127.0.0.1:{ollama.port} agentsh --model ollama_chat/{OLLAMA_MODEL}" in first.stderr


def test_case54_without_a_local_server_the_notice_is_the_usual_one(home):
    first = offline_run(AGENTSH_LOCAL_SERVERS=f"http://127.0.0.1:{closed_port()}/v1", AGENTSH_HOME=str(home))

    assert first.returncode == 0
    assert "no model configured and no provider key found" in first.stderr
    assert "local model server" not in first.stderr


# profiles reach every call -------------------------------------------------------------------------


def structured_requests(server: FakeOpenAIServer) -> list[dict]:
    return [r["body"] for r in server.requests if isinstance(r["body"], dict) and r["body"].get("response_format")]


def answer_plainly(body: dict) -> Reply:
    """Prose for every call: structured decisions are invalid, so each mode asks again and falls back."""
    return Reply(text="A plain answer.")


def test_case54_the_router_classifies_on_its_own_profile(cli, server, workdir, monkeypatch):
    config = workdir / "config.toml"
    config.write_text('[agents.router]\nmodel = "openai/cheap-router"\ntemperature = 0.0\n')
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    server.route = lambda body: Reply(text='{"reason": "code", "route": "coder"}' if body.get("response_format") else "Done.")

    status, out, err = cli("run", "--model", "openai/fake-model", "--mode", "router", "square a list")

    assert status == 0, err
    assert out.strip() == "Done."
    classify, answer = (r["body"] for r in server.requests)
    assert (classify["model"], classify["temperature"]) == ("cheap-router", 0.0)
    assert classify["messages"][0]["content"].startswith("You are a router. Pick the ONE agent")  # the bundled prompt kept
    assert answer["model"] == "fake-model" and "response_format" not in answer


DECISIONS = {
    "reflect": ("[agents.critic]\ntemperature = 0.1\n", 0.1),
    "planner": ("[agents.planner]\ntemperature = 0.2\n", 0.2),
    "debate": ('[agents.writer]\ntemperature = 0.3\n[modes.debate]\ndebaters = ["writer", "writer"]\nrounds = 1\njudge = "vote"\n', 0.3),
    "parallel": ('[agents.critic]\ntemperature = 0.4\n[modes.parallel]\nbranches = ["coder", "writer"]\naggregate = "vote"\naggregator = "critic"\n', 0.4),
    "pipeline": ('[agents.critic]\ntemperature = 0.5\n[[modes.pipeline.stages]]\nagent = "writer"\nprompt = "{input}"\n'
                 'gate = { type = "critic", agent = "critic" }\n', 0.5),
    "router": ("[agents.router]\ntemperature = 0.6\n", 0.6),
}


@pytest.mark.parametrize("mode", DECISIONS)
def test_case54_structured_decisions_carry_the_profile_temperature(cli, server, workdir, monkeypatch, mode):
    text, temperature = DECISIONS[mode]
    config = workdir / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("AGENTSH_CONFIG", str(config))
    server.route = answer_plainly

    status, _out, err = cli("run", "--model", "openai/fake-model", "--mode", mode, "write a haiku")

    assert status == 0, err
    decisions = structured_requests(server)
    assert decisions, f"{mode} made no structured call"
    assert [body.get("temperature") for body in decisions] == [temperature] * len(decisions)
