"""oterm: an `openaiCompatible` endpoint in its config.json pointing at the fake server (oterm >= 0.2x speaks
OpenAI-compatible servers besides Ollama). oterm opens the chats saved in its store at start, so each data
directory holds one chat made with oterm's own Store API: an empty one (the prompt) and one of 200 turns (resume).
Its splash screen is turned off (`"splash-screen": false`): an animation that
ran for over 25 s on this loaded machine before the prompt showed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .tool import FULL_SCREEN, TURNS, Mode, Tool, pip_version, shows

NEWEST = "OTERM-TURN-200-ANSWER"

SEED = """
import asyncio, json, sys
from oterm.store.store import Store
from oterm.types import ChatModel, MessageModel

async def main():
    store = await Store.get_store()
    chat = ChatModel(name="bench", model=sys.argv[1], provider="openai-compat/fake")
    chat_id = await store.save_chat(chat)
    for question, answer in json.loads(sys.argv[2]):
        await store.save_message(MessageModel(chat_id=chat_id, role="user", text=question))
        await store.save_message(MessageModel(chat_id=chat_id, role="assistant", text=answer))

asyncio.run(main())
"""


class Oterm(Tool):
    setup = ("config.json in OTERM_DATA_DIR with an `openaiCompatible` endpoint (oterm's OpenAI-compatible provider: "
             "Ollama's API is not needed) and `splash-screen: false` (its start-up animation ran over 25 s here "
             "before the prompt showed); a saved chat (empty, or 200 turns) made with oterm's Store API, which oterm "
             "reopens at start")
    def version(self) -> str:
        return pip_version(self.bin_dir / "python", "oterm")

    def data_dir(self, name: str) -> Path:
        return self.home / f"oterm-{name}"

    def env(self) -> dict[str, str]:
        env = super().env()
        for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE"):  # only the configured endpoint
            env.pop(name)
        assert self.server is not None
        return {**env, "OLLAMA_URL": self.server.root_url, "ORT_DISABLE_TELEMETRY": "1"}

    def prepare(self) -> None:
        assert self.server is not None
        turns = [(f"question {n}: what about this part?", NEWEST if n == TURNS else f"answer {n}: " + "an earlier answer. " * 12)
                 for n in range(1, TURNS + 1)]
        for name, chat in (("fresh", []), ("resume", turns)):
            folder = self.data_dir(name)
            folder.mkdir()
            config = {"splash-screen": False, "openaiCompatible": {"fake": {"base_url": self.server.base_url, "api_key": "sk-bench"}}}
            (folder / "config.json").write_text(json.dumps(config))
            subprocess.run([self.exe("python"), "-c", SEED, self.model, json.dumps(chat)], check=True,
                           env={**self.env(), "OTERM_DATA_DIR": str(folder)}, capture_output=True)

    def command(self, name: str) -> list[str]:
        return ["env", f"OTERM_DATA_DIR={self.data_dir(name)}", self.exe("oterm")]

    def modes(self) -> list[Mode]:
        ready = shows("model: fake-model", "⏎ submit")
        return [Mode(FULL_SCREEN, "oterm", self.command("fresh"), ready, self.command("resume"), shows(NEWEST))]
