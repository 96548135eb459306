"""What the litellm adapter sends for structured output and tools, and how it takes a refused format.

Against the scripted server on 127.0.0.1, through the real litellm path: the response_format of
each structured-output level, `tool_choice: "auto"` whenever tools are offered (llama-cpp-python's
server ignores tools without it), and a refusal of the format that is reported at once, never
retried with backoff (the same request would be refused again).
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import agentsh.models.litellm as adapter
from agentsh.config import Settings
from agentsh.errors import ModelError, ResponseFormatError
from agentsh.events import Notice
from agentsh.messages import user
from agentsh.models.base import ModelRequest
from agentsh.models.litellm import LiteLLMModel

from fakeserver import PROFILES, Reply

MODEL = "openai/fake-model"
CALCULATOR = {"type": "function", "function": {"name": "calculator", "parameters": {"type": "object", "properties": {}}}}


class Answer(BaseModel):
    value: int


@pytest.fixture
def server(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(adapter, "BACKOFF_BASE", 0.01)
    fake_server.default_reply = Reply(text='{"value": 42}')
    return fake_server


async def ask(request: ModelRequest) -> tuple[list, ModelError | None]:
    items: list = []
    try:
        async for item in LiteLLMModel(MODEL, Settings(retries=3, request_timeout=5.0)).stream(request):
            items.append(item)
    except ModelError as error:
        return items, error
    return items, None


@pytest.mark.parametrize(("level", "sent"), [("json_schema", "json_schema"), ("json_object", "json_object"), ("prompt", None)])
async def test_each_level_sends_its_response_format(server, level, sent):
    await ask(ModelRequest(messages=[user("6*7?")], response_format=Answer, format_level=level))

    response_format = server.last_body.get("response_format")
    assert (response_format or {}).get("type") == sent
    if sent == "json_schema":
        assert response_format["json_schema"]["schema"]["properties"] == {"value": {"title": "Value", "type": "integer"}}


async def test_tools_are_sent_with_tool_choice_auto_unless_a_choice_is_set(server):
    await ask(ModelRequest(messages=[user("6*7?")], tools=[CALCULATOR]))
    assert server.last_body["tool_choice"] == "auto"

    await ask(ModelRequest(messages=[user("6*7?")], tools=[CALCULATOR], tool_choice="none"))
    assert server.last_body["tool_choice"] == "none"

    await ask(ModelRequest(messages=[user("6*7?")], tool_choice="none"))  # no tools: no choice either
    assert "tool_choice" not in server.last_body


async def test_llama_cpp_pythons_refusal_of_json_schema_is_reported_at_once_not_retried(server):
    server.profile = PROFILES["llama-cpp-python"]

    items, error = await ask(ModelRequest(messages=[user("6*7?")], response_format=Answer))

    assert isinstance(error, ResponseFormatError) and not error.retryable
    assert "refused the response format" in str(error)
    assert server.hits == 1 and not [i for i in items if isinstance(i, Notice)]


@pytest.mark.parametrize("message", [
    "Unsupported parameter: 'response_format' is not supported with this model.",
    "Invalid parameter: response_format of type json_schema is not supported with this model",
    "unrecognized request argument supplied: parallel_tool_calls",
])
async def test_a_refused_parameter_is_a_format_refusal_whatever_its_status(server, message):
    for status in (400, 500):
        server.clear()
        server.enqueue(Reply(status=status, error_message=message))

        _items, error = await ask(ModelRequest(messages=[user("6*7?")], response_format=Answer))

        assert isinstance(error, ResponseFormatError), (status, error)
        assert server.hits == 1


async def test_a_server_error_that_refuses_nothing_is_still_retried(server):
    server.enqueue(Reply(status=503, error_message="the model is loading"), Reply(text='{"value": 42}'))

    _items, error = await ask(ModelRequest(messages=[user("6*7?")], response_format=Answer))

    assert error is None and server.hits == 2
