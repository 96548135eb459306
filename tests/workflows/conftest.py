"""Workflow files written where a user writes them (the test's own config folder), and a session that runs them."""

from __future__ import annotations

import textwrap

import pytest

from agentsh.config import config_dir


@pytest.fixture
def write_workflow():
    """write_workflow(name, toml) -> the file, in ~/.config/agentsh/workflows/."""

    def write(name: str, text: str):
        folder = config_dir() / "workflows"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def write_plugin():
    def write(name: str, text: str):
        folder = config_dir() / "plugins"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
