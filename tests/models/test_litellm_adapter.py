"""The real litellm path against a scripted OpenAI-compatible server on 127.0.0.1.

Each test drives `LiteLLMModel.stream` the way the agent loop does and checks what a
user would notice: streamed text, assembled tool calls, usage and cost, retries (and
their notices), and the one clear error when the provider fails.
"""

from __future__ import annotations

import json
import time

import pytest

import agentsh.models.litellm as adapter
from agentsh.config import Settings
from agentsh.errors import FirstTokenTimeoutError, ModelAuthError, ModelError, ModelRequestError, ModelStreamError
from agentsh.events import Notice, TextDelta
from agentsh.messages import user
from agentsh.models.base import ModelRequest, ModelResponse
from agentsh.models.litellm import LiteLLMModel

from fakeserver import Reply

MODEL = "openai/fake-model"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "description": "Evaluate an arithmetic expression.",
            "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
        },
    }
]


@pytest.fixture
def server(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(adapter, "BACKOFF_BASE", 0.01)
    return fake_server


def make_model(name: str = MODEL, **settings) -> LiteLLMModel:
    settings.setdefault("retries", 2)
    settings.setdefault("stream_idle_timeout", 5.0)
    settings.setdefault("request_timeout", 5.0)
    return LiteLLMModel(name, Settings(**settings))


async def collect(model: LiteLLMModel, request: ModelRequest | None = None) -> tuple[list, BaseException | None]:
    """Every item the stream yielded, and the error that ended it (None on success)."""
    items: list = []
    try:
        async for item in model.stream(request or ModelRequest(messages=[user("hi")])):
            items.append(item)
    except ModelError as error:
        return items, error
    return items, None


def deltas(items: list) -> list[str]:
    return [item.delta for item in items if isinstance(item, TextDelta)]


def notices(items: list) -> list[str]:
    return [item.message for item in items if isinstance(item, Notice)]


def response_of(items: list) -> ModelResponse:
    assert isinstance(items[-1], ModelResponse), items
    return items[-1]


# streaming and assembly ---------------------------------------------------------


async def test_streamed_text_arrives_in_pieces_and_is_assembled(server):
    server.enqueue(Reply(text="Hello there, streaming world!", chunk_size=5))
    items, error = await collect(make_model())
    assert error is None
    assert len(deltas(items)) >= 3
    assert "".join(deltas(items)) == "Hello there, streaming world!"
    response = response_of(items)
    assert response.message.role == "assistant"
    assert response.message.content == "Hello there, streaming world!"
    assert response.finish_reason == "stop"
    assert notices(items) == []


async def test_a_tool_call_split_across_chunks_is_assembled(server):
    arguments = {"expression": "17 + 25", "note": "a long enough argument to need many chunks"}
    server.enqueue(Reply(tool_calls=[{"name": "calculator", "arguments": arguments, "id": "call_abc"}], chunk_size=3))
    items, error = await collect(make_model())
    assert error is None
    response = response_of(items)
    assert response.finish_reason == "tool_calls"
    [call] = response.message.tool_calls
    assert (call.id, call.name) == ("call_abc", "calculator")
    assert json.loads(call.arguments) == arguments


async def test_two_tool_calls_in_one_answer_keep_their_own_arguments(server):
    server.enqueue(Reply(
        text="Let me check both.",
        tool_calls=[
            {"name": "calculator", "arguments": {"expression": "1+1"}, "id": "call_one"},
            {"name": "read_file", "arguments": {"path": "/tmp/some/longer/path.txt"}, "id": "call_two"},
        ],
        chunk_size=4,
    ))
    items, error = await collect(make_model())
    assert error is None
    message = response_of(items).message
    assert message.content == "Let me check both."
    assert [(c.id, c.name, json.loads(c.arguments)) for c in message.tool_calls] == [
        ("call_one", "calculator", {"expression": "1+1"}),
        ("call_two", "read_file", {"path": "/tmp/some/longer/path.txt"}),
    ]


async def test_usage_comes_from_the_server(server):
    server.enqueue(Reply(text="ok", usage={"prompt_tokens": 123, "completion_tokens": 45, "total_tokens": 168}))
    items, _ = await collect(make_model())
    usage = response_of(items).usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (123, 45)


async def test_cached_prompt_tokens_are_read_from_the_usage_details(server):
    usage = {"prompt_tokens": 2000, "completion_tokens": 10, "total_tokens": 2010, "prompt_tokens_details": {"cached_tokens": 1536}}
    server.enqueue(Reply(text="ok", usage=usage), Reply(text="ok", usage=usage))
    items, _ = await collect(make_model())
    assert response_of(items).usage.cached_tokens == 1536
    cached_cost = response_of((await collect(make_model("openai/gpt-4o-mini")))[0]).cost
    server.enqueue(Reply(text="ok", usage={**usage, "prompt_tokens_details": {"cached_tokens": 0}}))
    full_cost = response_of((await collect(make_model("openai/gpt-4o-mini")))[0]).cost
    assert cached_cost is not None and full_cost is not None and cached_cost < full_cost, "cached input is priced lower"


def test_only_anthropic_models_get_cache_breakpoints():
    request = ModelRequest(messages=[user("hi")])
    anthropic = LiteLLMModel("anthropic/claude-3-5-haiku-latest")._arguments(request)
    assert [p.get("role") or p.get("index") for p in anthropic["cache_control_injection_points"]] == ["system", -1]
    for name in ("openai/gpt-4o-mini", "deepseek/deepseek-chat", "gemini/gemini-2.0-flash", "ollama_chat/llama3.2"):
        assert "cache_control_injection_points" not in LiteLLMModel(name)._arguments(request)


async def test_cost_is_unknown_for_an_unknown_model(server):
    server.enqueue(Reply(text="ok"))
    items, _ = await collect(make_model())
    assert response_of(items).cost is None


async def test_cost_is_computed_for_a_model_litellm_knows(server):
    server.enqueue(Reply(text="ok", usage={"prompt_tokens": 1000, "completion_tokens": 1000, "total_tokens": 2000}))
    items, _ = await collect(make_model("openai/gpt-4o-mini"))
    cost = response_of(items).cost
    assert cost is not None and 0 < cost < 1


async def test_the_request_carries_the_tools_and_asks_for_usage(server):
    server.enqueue(Reply(text="ok"))
    await collect(make_model(), ModelRequest(messages=[user("what is 17+25?")], tools=TOOLS))
    body = server.last_body
    assert body["model"] == "fake-model"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["tools"] == TOOLS
    assert body["messages"][-1] == {"role": "user", "content": "what is 17+25?"}
    assert server.last_request["headers"]["authorization"] == "Bearer sk-test"


# retries ------------------------------------------------------------------------


async def test_rate_limit_waits_as_asked_then_succeeds(server):
    server.enqueue(Reply(status=429, headers={"Retry-After": "1"}), Reply(text="done"))
    started = time.monotonic()
    items, error = await collect(make_model())
    elapsed = time.monotonic() - started
    assert error is None
    assert server.hits == 2
    [notice] = notices(items)
    assert "retry" in notice.lower() and "429" in notice
    assert elapsed >= 0.9
    assert response_of(items).message.content == "done"


async def test_server_error_is_retried(server):
    server.enqueue(Reply(status=500), Reply(text="recovered"))
    items, error = await collect(make_model())
    assert error is None
    assert server.hits == 2
    assert len(notices(items)) == 1
    assert response_of(items).message.content == "recovered"


async def test_a_generic_api_error_with_status_429_is_retried_like_a_rate_limit(server, monkeypatch):
    """Some providers' rate limits reach us as litellm's generic APIError: its status decides."""
    litellm = adapter.load_litellm()
    real_acompletion = litellm.acompletion
    attempts = []

    async def rate_limited_once(**arguments):
        attempts.append(arguments["model"])
        if len(attempts) == 1:
            raise litellm.APIError(status_code=429, message="slow down", llm_provider="openai", model="fake-model")
        return await real_acompletion(**arguments)

    monkeypatch.setattr(litellm, "acompletion", rate_limited_once)
    server.enqueue(Reply(text="after the wait"))
    items, error = await collect(make_model())
    assert error is None
    assert len(attempts) == 2 and server.hits == 1
    [notice] = notices(items)
    assert "429" in notice and "retry" in notice.lower()
    assert response_of(items).message.content == "after the wait"


async def test_retries_give_up_with_one_error(server):
    server.enqueue(Reply(status=503), Reply(status=503), Reply(status=503))
    items, error = await collect(make_model(retries=2))
    assert server.hits == 3
    assert len(notices(items)) == 2
    assert isinstance(error, ModelError) and "503" in str(error)


async def test_no_retry_when_retries_is_zero(server):
    server.enqueue(Reply(status=500), Reply(text="never asked for"))
    items, error = await collect(make_model(retries=0))
    assert isinstance(error, ModelError)
    assert server.hits == 1
    assert notices(items) == []


async def test_a_server_that_does_not_begin_its_answer_times_out_and_is_not_asked_again(server):
    server.enqueue(Reply(text="too late", delay=5), Reply(text="never asked for"))
    started = time.monotonic()
    _, error = await collect(make_model(first_token_timeout=0.5, request_timeout=0.5))
    assert isinstance(error, FirstTokenTimeoutError) and "(first_token_timeout)" in str(error)
    assert time.monotonic() - started < 3
    assert server.hits == 1, "the prompt is not sent again to wait as long again"


# errors that are never retried ----------------------------------------------------


async def test_rejected_key_names_the_variable_and_is_not_retried(server):
    server.enqueue(Reply(status=401), Reply(text="never asked for"))
    items, error = await collect(make_model())
    assert isinstance(error, ModelAuthError)
    assert "OPENAI_API_KEY" in str(error)
    assert "Traceback" not in str(error) and "\n" not in str(error)
    assert server.hits == 1
    assert notices(items) == []


async def test_missing_key_says_which_variable_to_set(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    started = time.monotonic()
    items, error = await collect(make_model())
    assert isinstance(error, ModelAuthError)
    assert "no API key" in str(error) and "OPENAI_API_KEY" in str(error)
    assert notices(items) == []
    assert time.monotonic() - started < 2


async def test_bad_request_is_not_retried(server):
    server.enqueue(Reply(status=400, error_message="tools[0] is invalid"), Reply(text="never asked for"))
    items, error = await collect(make_model())
    assert isinstance(error, ModelRequestError)
    assert "tools[0] is invalid" in str(error)
    assert server.hits == 1
    assert notices(items) == []


# broken streams -------------------------------------------------------------------


@pytest.mark.parametrize("cut_mode", ["abrupt", "clean"])
async def test_a_stream_cut_after_text_is_an_error_and_not_retried(server, cut_mode):
    server.enqueue(Reply(text="The answer is forty-two.", chunk_size=4, cut_after=2, cut_mode=cut_mode), Reply(text="again"))
    items, error = await collect(make_model())
    assert isinstance(error, ModelStreamError)
    assert deltas(items) == ["The ", "answ"]
    assert not any(isinstance(item, ModelResponse) for item in items)
    assert server.hits == 1


@pytest.mark.parametrize("cut_mode", ["abrupt", "clean"])
async def test_a_stream_cut_before_any_text_is_retried(server, cut_mode):
    server.enqueue(Reply(text="lost", cut_after=0, cut_mode=cut_mode), Reply(text="second try"))
    items, error = await collect(make_model())
    assert error is None
    assert server.hits == 2
    assert len(notices(items)) == 1
    assert "".join(deltas(items)) == "second try"


async def test_a_stall_after_text_is_an_error(server):
    server.enqueue(Reply(text="The answer is forty-two.", stall_after=2, stall_seconds=10), Reply(text="again"))
    started = time.monotonic()
    items, error = await collect(make_model(stream_idle_timeout=0.5))
    assert isinstance(error, ModelStreamError)
    assert "stalled" in str(error)
    assert time.monotonic() - started < 2
    assert deltas(items) == ["The ", "answ"]
    assert server.hits == 1


async def test_a_stall_before_any_text_is_retried(server):
    server.enqueue(Reply(text="lost", stall_after=0, stall_seconds=10), Reply(text="second try"))
    items, error = await collect(make_model(stream_idle_timeout=0.5))
    assert error is None
    assert server.hits == 2
    assert "".join(deltas(items)) == "second try"
