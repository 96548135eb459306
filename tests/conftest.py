"""Shared fixtures: an isolated environment for every test, and the fake server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
sys.path.insert(0, str(Path(__file__).parent))

from fakeserver import FakeOpenAIServer

_PROVIDER_VARIABLES = ("API_KEY", "API_BASE", "BASE_URL")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """No provider keys, no user config, no user data, no local model server: each test starts from nothing."""
    for name in list(os.environ):
        if name.startswith("AGENTSH_") or name.endswith(_PROVIDER_VARIABLES) or name == "OLLAMA_HOST":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTSH_LOCAL_SERVERS", "")  # no probe of this machine's model servers (8080, 11434...)
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("HOME", str(root / "home"))
    yield


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def fake_server():
    with FakeOpenAIServer() as server:
        yield server
