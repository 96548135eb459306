"""The litellm adapter's fast paths keep their meaning: the stall timeout is per wait, not
per stream; fields read off litellm's objects are the ones getattr would give; loading is
done once, with the collector on again afterwards."""

from __future__ import annotations

import asyncio
import gc

import pytest

import agentsh.models.litellm as adapter
from agentsh.config import Settings
from agentsh.errors import ModelStreamError
from agentsh.messages import user
from agentsh.models.base import ModelRequest, ModelResponse
from agentsh.models.litellm import LiteLLMModel, _field, _IdleWatch, _Stalled

from fakeserver import Reply


@pytest.fixture
def server(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setattr(adapter, "BACKOFF_BASE", 0.01)
    return fake_server


async def test_a_slow_stream_that_never_pauses_for_the_timeout_is_not_a_stall(server):
    # 12 chunks 0.1 s apart: 1.2 s in all, far over the 0.3 s idle timeout, no gap reaching it
    server.enqueue(Reply(text="slow but steady, never stalled", chunk_size=3, chunk_delay=0.1))
    model = LiteLLMModel("openai/fake-model", Settings(stream_idle_timeout=0.3, retries=0))
    items = [item async for item in model.stream(ModelRequest(messages=[user("hi")]))]
    assert items[-1].message.content == "slow but steady, never stalled"


async def test_the_watch_stalls_only_a_wait_that_lasts_and_leaves_other_cancellations_alone():
    watch = _IdleWatch(0.05)
    assert await watch.wait(asyncio.sleep(0.01, "quick")) == "quick"
    await asyncio.sleep(0.1)  # time between waits does not count
    assert await watch.wait(asyncio.sleep(0.01, "again")) == "again"
    with pytest.raises(_Stalled):
        await watch.wait(asyncio.sleep(1))
    assert asyncio.current_task().cancelling() == 0
    watch.close()

    async def waits_forever() -> None:
        await _IdleWatch(10).wait(asyncio.sleep(10))

    task = asyncio.create_task(waits_forever())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_stall_mid_stream_is_still_an_error(server):
    server.enqueue(Reply(text="The answer is forty-two.", stall_after=2, stall_seconds=10))
    model = LiteLLMModel("openai/fake-model", Settings(stream_idle_timeout=0.3, retries=0))
    with pytest.raises(ModelStreamError, match="stalled"):
        [item async for item in model.stream(ModelRequest(messages=[user("hi")]))]


def test_fields_read_like_getattr_on_litellm_objects_and_on_others():
    litellm = adapter.load_litellm()
    chunk = litellm.ModelResponseStream(choices=[{"index": 0, "delta": {"content": "hi"}}])
    assert _field(chunk, "usage") is None and _field(chunk, "nonexistent") is None
    assert _field(chunk, "choices") is chunk.choices
    assert _field(chunk.choices[0].delta, "content") == "hi"
    assert _field(chunk, "model_fields_set") == chunk.model_fields_set  # a property, not a missing field

    class Plain:
        usage = 3

    assert _field(Plain(), "usage") == 3 and _field(Plain(), "choices") is None


def test_loading_is_done_once_and_leaves_the_collector_on():
    first = adapter.load_litellm()
    assert adapter.load_litellm() is first
    assert gc.isenabled()
    assert first.suppress_debug_info is True


async def test_an_unknown_model_is_priced_none_every_call(server):
    server.enqueue(Reply(text="one"), Reply(text="two"))
    model = LiteLLMModel("openai/fake-model", Settings(retries=0))
    for _ in range(2):
        items = [item async for item in model.stream(ModelRequest(messages=[user("hi")]))]
        assert isinstance(items[-1], ModelResponse) and items[-1].cost is None
