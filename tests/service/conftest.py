"""Fixtures of the task service tests: a real service in a thread, and scripted models it resolves by name."""

from __future__ import annotations

import pytest
from service_harness import RunningService

import agentsh.session as session_module
from agentsh.config import Settings
from agentsh.models.scripted import ScriptedModel


@pytest.fixture
def models(monkeypatch) -> dict[str, ScriptedModel]:
    """Scripted models by name: a session whose model is "scripted" gets models["scripted"]."""
    table: dict[str, ScriptedModel] = {}
    real = session_module.resolve_model

    def resolve(name, settings=None):
        return table[name] if name in table else real(name, settings)

    monkeypatch.setattr(session_module, "resolve_model", resolve)
    return table


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def start_service(home, workspace):
    """start_service(**settings and serve options) -> a RunningService on 127.0.0.1 (stopped at the end)."""
    started: list[RunningService] = []
    option_names = {"concurrency", "idle_timeout", "socket", "host", "allow_remote"}

    def start(**values) -> RunningService:
        options = {k: v for k, v in values.items() if k in option_names}
        settings = Settings(home=home, **{"model": "offline", **{k: v for k, v in values.items() if k not in option_names}})
        running = RunningService(settings, workspace, **options).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
