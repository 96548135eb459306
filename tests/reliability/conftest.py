"""Fixtures of the reliability and security suite (see README_SECTION.md for what it proves).

Every case runs agentsh the way a user does: the real CLI (a subprocess, or `cli.main` in
process when the process boundary does not matter), or a real `Session` on a temporary
data home; provider faults come from the scripted server on 127.0.0.1 (tests/fakeserver.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_support import FAKE_KEY, MODEL, agentsh_env

import agentsh.models.litellm as litellm_adapter
from agentsh.cli import main as cli_main
from agentsh.config import Settings
from agentsh.session import Session


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """The folder agentsh runs in (its workspace), also the current directory of in-process runs."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    return path


@pytest.fixture
def server(fake_server, monkeypatch):
    """The fake provider, with this process's environment pointing litellm at it and fast backoff."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setattr(litellm_adapter, "BACKOFF_BASE", 0.01)
    return fake_server


@pytest.fixture
def llm_session(server, home, workdir) -> Callable[..., Session]:
    """Open a real Session on `home` answering through litellm from the fake server."""

    def open_session(resume: str | None = None, **settings) -> Session:
        settings.setdefault("retries", 3)
        settings.setdefault("request_timeout", 10.0)
        settings.setdefault("stream_idle_timeout", 5.0)
        return Session.open(Settings(home=home, model=MODEL, **settings), resume=resume)

    return open_session


@pytest.fixture
def agentsh(workdir) -> Callable[..., subprocess.CompletedProcess]:
    """Run `python -m agentsh ARGS...` as a user would: a subprocess in `workdir`, stdin closed."""

    def run(*args: str, env: dict | None = None, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "agentsh", *args], cwd=workdir, env=env or agentsh_env(),
            input=input, stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True, timeout=timeout,
        )

    return run


@pytest.fixture
def cli(workdir, capsysbinary) -> Callable[..., tuple[int, str, str]]:
    """Run `agentsh ARGS...` in this process (the real `cli.main`); returns (status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        if args and args[0] == "run":  # pytest's stdin is not a terminal: never wait on it
            args = ("run", "--no-stdin", *args[1:])
        capsysbinary.readouterr()
        try:
            status = cli_main(list(args))
        except SystemExit as exit:  # argparse
            status = exit.code
        out, err = capsysbinary.readouterr()
        return status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    return run
