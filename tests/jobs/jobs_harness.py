"""`agentsh` run as a user runs it, as subprocesses, beside a real `agentsh serve` on 127.0.0.1, against the fake
OpenAI-compatible server; every process shares one environment (so the warm path finds the service compatible)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

MODEL = "openai/fake-model"


class Shell:
    def __init__(self, home: Path, base_url: str, cwd: Path) -> None:
        self.home, self.cwd = home, cwd
        self.env = {
            **os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test", "AGENTSH_MODEL": MODEL,
            "AGENTSH_HOME": str(home), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        self.services: list[subprocess.Popen[bytes]] = []

    def agentsh(self, *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "agentsh", *args], env={**self.env, **(env or {})}, cwd=self.cwd,
            input=stdin, capture_output=True, text=True, timeout=timeout,
        )

    def serve(self, *options: str) -> subprocess.Popen[bytes]:
        """`agentsh serve --port 0` in the background, once it has written service.json."""
        process = subprocess.Popen(
            [sys.executable, "-m", "agentsh", "serve", "--port", "0", *options], env=self.env, cwd=self.cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.services.append(process)
        wait_until(lambda: self.info() is not None or process.poll() is not None, 60)
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        return process

    def info(self) -> dict | None:
        try:
            return json.loads((self.home / "service" / "service.json").read_text())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = (self.info() or {}).get("pid")
        for process in self.services:
            process.terminate()
            process.wait(30)
        if pid and not any(p.pid == pid for p in self.services):  # one started on demand
            with_suppressed_lookup(lambda: os.kill(pid, 15))
            wait_until(lambda: not alive(pid), 30)

    def task(self, task_id: str) -> dict:
        shown = self.agentsh("jobs", "status", task_id, "--json")
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)

    def wait_for_status(self, task_id: str, *statuses: str, timeout: float = 60) -> dict:
        found: dict = {}

        def reached() -> bool:
            found.update(self.task(task_id))
            return found["status"] in statuses

        wait_until(reached, timeout)
        return found

    def tasks(self) -> list[dict]:
        listed = self.agentsh("jobs", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        return json.loads(listed.stdout)


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def with_suppressed_lookup(action: Callable[[], None]) -> None:
    with contextlib.suppress(ProcessLookupError):
        action()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
