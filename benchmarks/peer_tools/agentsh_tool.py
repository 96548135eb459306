"""agentsh itself, from the virtual environment running the benchmark."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .tool import FULL_SCREEN, LINE, TURNS, Mode, Tool, last_line_starts, shows

NEWEST = "AGENTSH-TURN-200-ANSWER"


class Agentsh(Tool):
    setup = ("`--model openai/fake-model` with OPENAI_BASE_URL and OPENAI_API_KEY in the environment, AGENTSH_HOME in the "
             "temp home; the 200-turn session written with agentsh's own store API, opened with `-r ID`")
    session_id = "SESSION"  # the 200-turn conversation's, once prepared
    def version(self) -> str:
        return self.run_quietly([self.exe("agentsh"), "--version"]).stdout.split()[-1]

    @property
    def data(self) -> Path:
        return self.home / "agentsh-data"

    def env(self) -> dict[str, str]:
        return {**super().env(), "AGENTSH_HOME": str(self.data), "AGENTSH_MODEL": f"openai/{self.model}"}

    def prepare(self) -> None:
        self.session_id = conversation(self.data, f"openai/{self.model}")

    def modes(self) -> list[Mode]:
        agentsh = self.exe("agentsh")
        tui_ready = shows("Message agentsh")
        plain_ready = prompt_above_toolbar("tools ❯", toolbar=" tools · ")
        return [
            Mode(FULL_SCREEN, "agentsh (TUI)", [agentsh], tui_ready, [agentsh, "-r", self.session_id], shows(NEWEST, "Message agentsh")),
            # resumed: the prompt comes before the session opens; ready once the conversation's recap is printed too
            Mode(LINE, "agentsh --plain", [agentsh, "--plain"], plain_ready, [agentsh, "--plain", "-r", self.session_id],
                 lambda screen: plain_ready(screen) and NEWEST in screen),
        ]

    def oneshot(self) -> list[str]:
        return [self.exe("agentsh"), "run", "--no-stdin", "--model", f"openai/{self.model}", "say ok"]

    def has_service(self) -> bool:
        """Whether this build has `agentsh serve` (the service behind the warm path of `agentsh run`)."""
        return self.run_quietly([self.exe("agentsh"), "serve", "--help"]).returncode == 0

    def serve(self) -> subprocess.Popen[bytes]:
        """The service, started in this tool's private home (the caller stops it)."""
        return subprocess.Popen([self.exe("agentsh"), "serve"], env=self.env(), cwd=self.workdir,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for_service(self, service: subprocess.Popen[bytes], limit: float = 60) -> None:
        """Until the service says where it listens (service.json in its data home)."""
        deadline = time.monotonic() + limit
        while not (self.data / "service" / "service.json").exists():
            if service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("agentsh serve did not start")
            time.sleep(0.05)


def prompt_above_toolbar(prefix: str, toolbar: str) -> Callable[[str], bool]:
    """The prompt line is the last one, or the last above `--plain`'s bottom toolbar. prompt-toolkit draws the
    toolbar once the terminal has answered its cursor-position query, a few ms after the prompt: a screen read
    after that never had the prompt as its last line, and the wait ran out with the prompt on screen."""
    prompt_last = last_line_starts(prefix)

    def ready(screen: str) -> bool:
        lines = [line for line in screen.splitlines() if line.strip()]
        if lines and lines[-1].startswith(toolbar):
            lines.pop()
        return prompt_last("\n".join(lines))

    return ready


def conversation(home: Path, model: str) -> str:
    """A session of TURNS question-answer turns, written with agentsh's own store API."""
    from agentsh.config import Settings
    from agentsh.messages import Message
    from agentsh.session import open_store

    store = open_store(Settings(home=home))
    record = store.create(mode="tools", model=model, title="two hundred turns")
    messages = []
    for turn in range(1, TURNS + 1):
        answer = NEWEST if turn == TURNS else f"answer {turn}: " + "a paragraph of an earlier answer. " * 12
        messages += [Message(role="user", content=f"question {turn}: what about this part?"), Message(role="assistant", content=answer)]
    store.add_messages(record.id, messages)
    return record.id


def compile_agentsh() -> None:
    """agentsh's bytecode written, as `pip install` writes the peers' (an editable install has none)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[2] / "agentsh")], check=False)
