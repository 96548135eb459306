"""Fallback models: a model that fails after its retries hands the request to the next, with a notice."""

from __future__ import annotations

import pytest

from agentsh.config import Settings
from agentsh.errors import (
    ModelAuthError,
    ModelConnectionError,
    ModelError,
    ModelRequestError,
    ModelStreamError,
    ResponseFormatError,
)
from agentsh.events import Notice, TextDelta, Usage
from agentsh.messages import user
from agentsh.models import resolve_model
from agentsh.models.base import ModelRequest, ModelResponse
from agentsh.models.fallback import FallbackModel
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.profiles import AgentProfile

from helpers import done, of, scripted_session, send


def rate_limited() -> ModelError:
    error = ModelError("openai (a) failed (429): Rate limit reached")
    error.retryable = True
    return error


FAILURES = {
    "rate limit": rate_limited,
    "outage": lambda: ModelConnectionError("openai (a): could not connect to api.openai.com"),
    "refused structured output": lambda: ResponseFormatError("openai (a) refused the response format (400): response_format"),
}


async def collect(model, request: ModelRequest) -> list:
    return [item async for item in model.stream(request)]


@pytest.mark.parametrize("kind", list(FAILURES))
async def test_each_failure_kind_falls_back_to_the_next_model_with_a_notice(kind):
    first, second = ScriptedModel(FAILURES[kind](), name="a"), ScriptedModel("from b", name="b")
    items = await collect(FallbackModel([first, second]), ModelRequest(messages=[user("hi")]))

    [notice] = [i for i in items if isinstance(i, Notice)]
    assert notice.message.startswith("a failed (") and notice.message.endswith("trying b")
    [response] = [i for i in items if isinstance(i, ModelResponse)]
    assert (response.model, response.message.content) == ("b", "from b")
    assert len(second.requests) == 1


@pytest.mark.parametrize("error", [ModelAuthError("bad key"), ModelRequestError("invalid request")], ids=["auth", "request"])
async def test_a_failure_another_model_would_repeat_is_raised_as_it_is(error):
    second = ScriptedModel("from b", name="b")
    with pytest.raises(type(error)):
        await collect(FallbackModel([ScriptedModel(error, name="a"), second]), ModelRequest(messages=[user("hi")]))
    assert second.requests == []


async def test_a_failure_after_text_was_shown_is_not_handed_on():
    class Broken(ScriptedModel):
        async def stream(self, request):
            yield TextDelta(delta="half an ans")
            raise ModelStreamError("the stream broke off")

    second = ScriptedModel("from b", name="b")
    with pytest.raises(ModelStreamError):
        await collect(FallbackModel([Broken(name="a"), second]), ModelRequest(messages=[user("hi")]))
    assert second.requests == []


async def test_the_last_models_failure_is_the_turns_error():
    with pytest.raises(ModelConnectionError):
        await collect(FallbackModel([ScriptedModel(rate_limited(), name="a"), ScriptedModel(ModelConnectionError("down"), name="b")]),
                      ModelRequest(messages=[user("hi")]))


async def test_a_turn_attributes_usage_and_cost_to_the_model_that_answered(home):
    first = ScriptedModel(rate_limited(), Reply(text="again from a", cost=0.01), name="a")
    second = ScriptedModel(Reply(text="from b", cost=0.002), name="b")
    session = scripted_session(home, first, mode="chat")
    now = [0.0]
    session.model = FallbackModel([first, second], clock=lambda: now[0])

    events = await send(session, "one")
    now[0] = 61.0  # past the cooldown: the first model is asked first again
    events += await send(session, "two")

    assert [u.model for u in of(events, Usage)] == ["b", "a"]
    assert len([n for n in of(events, Notice) if n.message.startswith("a failed") and n.message.endswith("trying b")]) == 1
    assert done(events).output == "again from a"
    stored = {row["model"]: round(row["cost"], 3) for row in session.store.db["model_usage"].rows}
    assert stored == {"b": 0.002, "a": 0.01}


def test_a_list_of_models_in_the_config_or_a_profile_is_a_fallback_chain(home):
    settings = Settings(home=home, model=["offline", "offline"], agents={"strong": AgentProfile(system_prompt="x", model=["m/a", "m/b"])})
    assert settings.model == "offline,offline" and settings.agents["strong"].model == "m/a,m/b"
    chain = resolve_model(settings.model)
    assert isinstance(chain, FallbackModel) and [c.name for c in chain.clients] == ["offline", "offline"]


def test_a_model_list_of_other_things_than_names_is_refused(home):
    with pytest.raises(ValueError, match="model"):
        Settings(home=home, model=[1, 2])


async def test_a_model_that_failed_is_passed_over_for_a_minute_then_asked_first_again():
    now = [0.0]
    first = ScriptedModel(rate_limited(), "first is back", name="a")
    second = ScriptedModel("b once", "b twice", name="b")
    chain = FallbackModel([first, second], clock=lambda: now[0])
    request = ModelRequest(messages=[user("hi")])

    await collect(chain, request)
    now[0] = 59.0
    items = await collect(chain, request)
    assert [i.message.content for i in items if isinstance(i, ModelResponse)] == ["b twice"]
    assert not any(isinstance(i, Notice) for i in items) and len(first.requests) == 1
    now[0] = 61.0
    items = await collect(chain, request)
    assert [i.message.content for i in items if isinstance(i, ModelResponse)] == ["first is back"]


async def test_when_every_model_is_cooling_down_they_are_still_tried_in_order():
    now = [0.0]
    first = ScriptedModel(rate_limited(), "a again", name="a")
    second = ScriptedModel(ModelConnectionError("down"), name="b")
    chain = FallbackModel([first, second], clock=lambda: now[0])
    with pytest.raises(ModelConnectionError):
        await collect(chain, ModelRequest(messages=[user("hi")]))

    items = await collect(chain, ModelRequest(messages=[user("hi")]))
    assert [i.message.content for i in items if isinstance(i, ModelResponse)] == ["a again"]
