"""Quitting while litellm still imports: the process ends at once instead of waiting for the import
(asyncio.run waits for its default executor's threads, so the load must not run there)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest

from agentsh.models import litellm as litellm_module
from agentsh.models.daemon import in_daemon_thread
from agentsh.models.warmup import Warmup

HELD = 20.0  # how long the fake import blocks: far longer than a quit may take


def ended_within(main) -> float:
    started = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - started


async def cancelled_soon(awaitable) -> None:
    task = asyncio.ensure_future(awaitable)
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_a_turn_waiting_for_the_litellm_import_does_not_hold_the_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    monkeypatch.setattr(litellm_module, "_litellm", None)
    monkeypatch.setattr(litellm_module, "load_litellm", lambda: release.wait(HELD))
    try:
        assert ended_within(lambda: cancelled_soon(litellm_module._loaded_litellm())) < HELD / 2
    finally:
        release.set()


def test_a_message_waiting_for_the_warm_up_does_not_hold_the_exit() -> None:
    release = threading.Event()
    warmup = Warmup(load=lambda: release.wait(HELD), needed=lambda model: True)
    warmup.start_for(object())
    try:
        assert ended_within(lambda: cancelled_soon(warmup.wait())) < HELD / 2
    finally:
        release.set()


def test_the_thread_s_result_and_error_reach_the_awaiting_task() -> None:
    async def main() -> tuple[int, str]:
        value = await in_daemon_thread(lambda: 41 + 1)
        try:
            await in_daemon_thread(lambda: int("not a number"))
        except ValueError as error:
            return value, str(error)
        return value, ""

    value, error = asyncio.run(main())
    assert value == 42 and "not a number" in error
