"""Case 49: a provider's error says what happened.

The provider's message is shown whole (its lines joined into one, secrets redacted, bounded),
with the provider and the model. A connection that was never made (nothing listening at
OPENAI_BASE_URL, Ollama not running) names the address tried and what to check, is retried at
most once and quickly, and is never called a "500" (litellm's own status for it). An answer
that says the request itself is invalid is not retried, whatever its status: llama-cpp-python
answers a field it does not accept with a 500.
"""

from __future__ import annotations

import socket
import time

import pytest
from pydantic import BaseModel
from reliability_support import FAKE_KEY

from agentsh.errors import ModelAuthError, ModelConnectionError, ModelError, ModelRequestError
from agentsh.events import Error, Notice
from agentsh.messages import Message, user
from agentsh.models.base import ModelRequest
from agentsh.models.litellm import LiteLLMModel, load_litellm
from agentsh.models.litellm_errors import MESSAGE_LIMIT, translate

from fakeserver import PROFILES, Profile, Reply
from helpers import of, send


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound once, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_case49_a_message_of_several_lines_is_shown_whole_on_one_line_and_redacted(llm_session, server):
    body = f"bad request\n  the field 'tools[0]' is invalid\n  (key used: {FAKE_KEY})\n    hint: the useful part is here"
    server.enqueue(Reply(status=400, error_message=body), Reply(text="never asked for"))
    session = llm_session()

    events = await send(session, "hello")

    [error] = of(events, Error)
    assert error.kind == "ModelRequestError"
    assert error.message.startswith("openai (openai/fake-model) refused the request (400): ")
    assert error.message.endswith(
        "bad request the field 'tools[0]' is invalid (key used: ***) hint: the useful part is here"
    ), error.message
    assert FAKE_KEY not in error.message and "\n" not in error.message
    assert server.hits == 1


async def test_case49_a_template_error_of_several_lines_from_llama_server_keeps_its_reason_and_location(server):
    server.profile = Profile(name="llama-server", chat_template_error=True)
    model = LiteLLMModel("openai/fake-model")

    with pytest.raises(ModelError) as raised:
        # A conversation that opens with the assistant: a template that wants user first refuses it.
        [item async for item in model.stream(ModelRequest(messages=[Message(role="assistant", content="hi"), user("two")]))]

    message = str(raised.value)
    assert "Conversation roles must alternate user/assistant/user/assistant/... at row 12, column 28:" in message
    assert "raise_exception(" in message and message.endswith("{%- endif %}"), message
    assert "\n" not in message


async def test_case49_a_very_long_message_is_cut_with_an_ellipsis(llm_session, server):
    server.enqueue(Reply(status=400, error_message="<html>" + "x" * 5000 + "</html>"))
    session = llm_session()

    [error] = of(await send(session, "hello"), Error)

    detail = error.message.split("refused the request (400): ", 1)[1]
    assert detail.endswith("…") and len(detail) <= MESSAGE_LIMIT


async def test_case49_nothing_listening_names_the_address_and_is_retried_once_quickly(llm_session, server, monkeypatch, closed_port):
    address = f"http://127.0.0.1:{closed_port}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", address)
    session = llm_session(retries=3)

    started = time.monotonic()
    events = await send(session, "hello")
    elapsed = time.monotonic() - started

    [error] = of(events, Error)
    assert error.kind == "ModelConnectionError"
    assert error.message == (
        f"openai (openai/fake-model): could not connect to {address} (connection refused). "
        "Is the server running? Check OPENAI_BASE_URL."
    )
    [retry] = of(events, Notice)
    assert retry.message.endswith("Retrying in 0.2 s (attempt 2 of 2).") and address in retry.message
    assert not any("500" in e.message for e in [*of(events, Error), *of(events, Notice)])
    assert elapsed < 2.5, f"{elapsed:.1f} s: a refused connection is not worth a backoff"
    assert server.hits == 0


async def test_case49_ollama_not_running_says_so(monkeypatch, closed_port):
    monkeypatch.setenv("OLLAMA_API_BASE", f"http://127.0.0.1:{closed_port}")
    model = LiteLLMModel("ollama_chat/llama3.2")
    model.retries = 0

    with pytest.raises(ModelConnectionError) as raised:
        [item async for item in model.stream(ModelRequest(messages=[user("hi")]))]

    assert str(raised.value) == (
        f"ollama_chat (ollama_chat/llama3.2): could not connect to http://127.0.0.1:{closed_port} (connection refused). "
        "Is Ollama running (`ollama serve`)? Check OLLAMA_API_BASE."
    )


def test_case49_run_prints_the_address_once_and_exits_1(cli, server, monkeypatch, closed_port, home):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")

    status, out, err = cli("run", "--home", str(home), "--model", "openai/fake-model", "hello")

    assert status == 1 and out == ""
    assert err.count(f"could not connect to http://127.0.0.1:{closed_port}/v1 (connection refused)") == 2  # the retry, then the error
    assert "(500)" not in err and "Connection error." not in err


class Verdict(BaseModel):
    verdict: str


@pytest.mark.parametrize(("profile", "reply"), [
    (PROFILES["llama-cpp-python"], None),
    (PROFILES["openai"], Reply(status=500, error_message="Unsupported parameter: 'response_format' is not supported with this model.")),
    (PROFILES["openai"], Reply(status=500, error_message="oops", error_type="invalid_request_error")),
])
async def test_case49_an_invalid_request_is_not_retried_even_as_a_500(server, profile, reply):
    server.profile = profile
    if reply is not None:
        server.enqueue(reply)
    server.default_reply = Reply(text='{"verdict": "never asked for"}')
    model = LiteLLMModel("openai/fake-model")

    items: list = []
    with pytest.raises(ModelRequestError) as raised:
        async for item in model.stream(ModelRequest(messages=[user("judge")], response_format=Verdict)):
            items.append(item)

    assert server.hits == 1 and of(items, Notice) == []
    # A refusal that names the response format or a parameter is the narrower ResponseFormatError (structured
    # calls then step down a level, case 47); either way it is refused once and never retried.
    assert str(raised.value).startswith((
        "openai (openai/fake-model) refused the request (500): ",
        "openai (openai/fake-model) refused the response format or a parameter (500): ",
    ))
    if profile.refuse_json_schema:
        assert (
            "1 validation error for CreateChatCompletionRequest response_format.type Input should be 'text' or "
            "'json_object' [type=literal_error, input_value='json_schema', input_type=str] For further information"
        ) in str(raised.value)


async def test_case49_a_500_that_does_not_blame_the_request_is_still_retried(server):
    server.enqueue(Reply(status=500, error_message="the model crashed\nrestarting"), Reply(text="fine now"))
    model = LiteLLMModel("openai/fake-model")

    items = [item async for item in model.stream(ModelRequest(messages=[user("hi")]))]

    [retry] = of(items, Notice)
    assert "failed (500): the model crashed restarting. Retrying" in retry.message
    assert items[-1].message.content == "fine now" and server.hits == 2


def test_case49_a_refused_key_stays_a_key_problem_when_its_body_also_says_invalid_request(monkeypatch):
    """OpenAI words a wrong key as an `invalid_request_error` with status 401: the status names the fix."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    litellm = load_litellm()
    error = litellm.APIError(
        status_code=401, message="Incorrect API key provided (invalid_request_error)", llm_provider="openai", model="openai/fake-model",
    )

    failure = translate(error, "openai/fake-model")

    assert isinstance(failure, ModelAuthError) and "check OPENAI_API_KEY" in str(failure)


async def test_case49_a_turn_that_failed_before_its_answer_does_not_break_every_later_turn_on_a_strict_template(llm_session, server):
    """The failed turn's question stays in the history without an answer; the next request must still
    alternate user / assistant, or llama-server with a strict chat template refuses every later turn."""
    server.profile = Profile(name="llama-server", chat_template_error=True)
    server.enqueue(Reply(status=400, error_message="bad request"), Reply(text="Here it is."))
    session = llm_session()

    failed = await send(session, "first question")
    answered = await send(session, "second question")

    assert of(failed, Error)
    assert not of(answered, Error) and answered[-1].output == "Here it is."
    roles = [m["role"] for m in server.last_body["messages"]]
    assert roles == ["system", "user"]
    assert "first question" in server.last_body["messages"][1]["content"]
    assert "second question" in server.last_body["messages"][1]["content"]
