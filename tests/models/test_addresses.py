"""The address a provider is reached at, and the sentence for one that does not answer."""

from __future__ import annotations

import httpx
import pytest

from agentsh.models.addresses import base_url, could_not_connect, is_local, unreachable

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def refused() -> Exception:
    """A failed connection as litellm reports it: its own class and status 500, the refusal as the cause."""
    class InternalServerError(Exception):
        status_code = 500

    try:
        try:
            raise ConnectionRefusedError(111, "Connect call failed")
        except ConnectionRefusedError as cause:
            raise httpx.ConnectError("Cannot connect to host", request=REQUEST) from cause
    except httpx.ConnectError as cause:
        error = InternalServerError("Connection error.")
        error.__cause__ = cause
        return error


def test_the_address_follows_litellm_explicit_then_the_variables_then_the_default(monkeypatch):
    assert base_url("openai") == ("https://api.openai.com/v1", None)
    monkeypatch.setenv("OPENAI_API_BASE", "http://older:1/v1")
    assert base_url("openai") == ("http://older:1/v1", "OPENAI_API_BASE")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://newer:2/v1")
    assert base_url("openai") == ("http://newer:2/v1", "OPENAI_BASE_URL")
    assert base_url("openai", "http://configured:3/v1") == ("http://configured:3/v1", "api_base")
    assert base_url("ollama_chat") == ("http://localhost:11434", None)
    assert base_url("hosted_vllm") == (None, None)
    monkeypatch.setenv("HOSTED_VLLM_API_BASE", "http://gpu-box:8000/v1")
    assert base_url("hosted_vllm") == ("http://gpu-box:8000/v1", "HOSTED_VLLM_API_BASE")


def test_only_a_connection_never_made_counts_whatever_litellm_calls_it():
    assert could_not_connect(refused())
    assert could_not_connect(httpx.ConnectTimeout("timed out", request=REQUEST))
    assert not could_not_connect(httpx.ReadTimeout("slow", request=REQUEST))
    answered = refused()
    answered.status_code = 429  # type: ignore[attr-defined]  # a real answer, whatever it was raised from
    assert not could_not_connect(answered)


@pytest.mark.parametrize(("variable", "url", "hint"), [
    ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1", "Is the server running? Check OPENAI_BASE_URL."),
    ("OPENAI_BASE_URL", "http://gpu-box.example:8080/v1", "Is the server running? Check OPENAI_BASE_URL."),
    (None, "https://api.openai.com/v1", "Is the network up? Check OPENAI_BASE_URL."),
])
def test_the_sentence_names_the_address_why_and_what_to_check(monkeypatch, variable, url, hint):
    if variable:
        monkeypatch.setenv(variable, url)
    assert unreachable(refused(), "openai") == f"could not connect to {url} (connection refused). {hint}"


def test_a_password_in_the_address_is_not_repeated(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:hunter2-secret@127.0.0.1:9/v1")
    sentence = unreachable(refused(), "openai")
    assert "hunter2" not in sentence and "http://127.0.0.1:9/v1" in sentence


def test_local_addresses():
    assert all(is_local(u) for u in ("http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:8080", "http://192.168.1.5:8000"))
    assert not any(is_local(u) for u in ("https://api.openai.com/v1", "http://8.8.8.8"))
