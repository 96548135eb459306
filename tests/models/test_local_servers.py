"""Finding model servers: where agentsh looks, what it makes of an answer, what it tells litellm."""

from __future__ import annotations

import pytest

from agentsh.models.local_servers import MAX_BODY, Listing, Server, list_models, ollama_url, servers_to_probe

from fakeserver import PROFILES, FakeOpenAIServer


@pytest.mark.parametrize(("host", "url"), [
    ("0.0.0.0", "http://127.0.0.1:11434"),  # Ollama's "every interface" is this machine for a client
    ("127.0.0.1:11500", "http://127.0.0.1:11500"),
    ("http://gpu-box", "http://gpu-box:11434"),
    ("https://ollama.example.com/", "https://ollama.example.com:443"),
])
def test_ollama_host_is_read_as_ollama_reads_it(host, url):
    assert ollama_url(host) == url


def test_configured_servers_come_first_and_the_usual_ports_are_not_repeated():
    servers = servers_to_probe({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1/", "OLLAMA_HOST": "0.0.0.0"})

    assert [(s.url, s.configured) for s in servers] == [
        ("http://127.0.0.1:8080/v1", True), ("http://127.0.0.1:11434", True),
        ("http://127.0.0.1:8000/v1", False), ("http://127.0.0.1:1234/v1", False),
    ]


def test_an_empty_override_probes_only_what_is_configured():
    assert servers_to_probe({"AGENTSH_LOCAL_SERVERS": ""}) == []


def test_litellm_is_told_only_what_it_does_not_know_yet():
    ollama = Listing(Server("ollama", "http://127.0.0.1:11434", "test"), models=["llama3.2"])
    llama_cpp = Listing(Server("openai", "http://127.0.0.1:8080/v1", "test"), models=["qwen"])

    assert ollama.usage("llama3.2", {}) == "agentsh --model ollama_chat/llama3.2"  # litellm's default Ollama
    assert ollama.usage("llama3.2", {"OLLAMA_API_BASE": "http://gpu-box:11434"}) == (
        "OLLAMA_API_BASE=http://127.0.0.1:11434 agentsh --model ollama_chat/llama3.2"
    )
    assert llama_cpp.usage("qwen", {}) == "OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=local agentsh --model openai/qwen"
    assert llama_cpp.usage("a model; rm -rf ~", {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "OPENAI_API_KEY": "x"}) == (
        "agentsh --model 'openai/a model; rm -rf ~'"
    )


def test_an_endless_model_list_is_cut_off_with_one_line():
    with FakeOpenAIServer() as server:
        server.profile = PROFILES["ollama"]
        server.listed_models = [f"model-{i:06d}-" + "x" * 180 for i in range(MAX_BODY // 150)]
        # The size limit is under test, not the local step timeout: a loaded machine can take
        # longer than 0.5 s to serve a megabyte.
        listing = list_models(Server("ollama", f"http://127.0.0.1:{server.port}", "test"), timeout=10)

    assert listing.models == []
    assert listing.error == "answered with more than 1 MB: not a model list"


def test_an_answer_that_is_not_a_model_list_is_one_line():
    with FakeOpenAIServer() as server:
        listing = list_models(Server("ollama", f"http://127.0.0.1:{server.port}", "test"))  # no /api/tags: a 404

    assert listing.problem() == f"http://127.0.0.1:{server.port}/api/tags (test): answered HTTP 404"


def test_a_configured_value_that_is_not_a_url_is_one_line_naming_the_variable():
    [server] = servers_to_probe({"OPENAI_BASE_URL": "http://[::1", "AGENTSH_LOCAL_SERVERS": ""})

    listing = list_models(server)

    assert listing.problem() == "'http://[::1' (OPENAI_BASE_URL): not an http:// or https:// URL"
