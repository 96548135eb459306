"""simonw's `llm`: an OpenAI-compatible model in extra-openai-models.yaml, under a private LLM_USER_PATH."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .tool import LINE, TURNS, Mode, Tool, last_line_starts, pip_version

NEWEST = "LLM-TURN-200-ANSWER"
CONVERSATION_ID = "01peersconversation0000000"

# llm's own migrations make logs.db; the rows follow its documented schema (llm.datasette.io/en/stable/logging.html)
SEED = """
import json, sys, sqlite_utils
from llm.migrations import migrate
db = sqlite_utils.Database(sys.argv[1])
migrate(db)
turns = json.loads(sys.argv[2])
db["conversations"].insert({"id": sys.argv[3], "name": "two hundred turns", "model": sys.argv[4]}, replace=True)
db["responses"].insert_all(
    {"id": f"01peersresponse{n:011d}", "model": sys.argv[4], "prompt": q, "system": None, "prompt_json": None,
     "options_json": "{}", "response": a, "response_json": None, "conversation_id": sys.argv[3], "duration_ms": 1,
     "datetime_utc": f"2026-12-01T10:{n // 60:02d}:{n % 60:02d}"}
    for n, (q, a) in enumerate(turns)
)
"""


class Llm(Tool):
    setup = ("`extra-openai-models.yaml` (model_id, model_name, api_base, api_key_name) and keys.json in a temp LLM_USER_PATH; "
             "the 200-turn conversation written into logs.db after llm's own migrations (its documented schema), "
             "opened with `llm chat --cid ID`")
    @property
    def user_path(self) -> Path:
        return self.home / "llm"

    def version(self) -> str:
        return pip_version(self.bin_dir / "python", "llm")

    def env(self) -> dict[str, str]:
        return {**super().env(), "LLM_USER_PATH": str(self.user_path)}

    def prepare(self) -> None:
        assert self.server is not None
        self.user_path.mkdir(parents=True, exist_ok=True)
        (self.user_path / "extra-openai-models.yaml").write_text(
            f"- model_id: fake\n  model_name: {self.model}\n  api_base: \"{self.server.base_url}\"\n  api_key_name: fake\n"
        )
        (self.user_path / "keys.json").write_text(json.dumps({"fake": "sk-bench"}))
        turns = [(f"question {n}: what about this part?", NEWEST if n == TURNS else f"answer {n}: " + "an earlier answer. " * 12)
                 for n in range(1, TURNS + 1)]
        subprocess.run([self.exe("python"), "-c", SEED, str(self.user_path / "logs.db"), json.dumps(turns), CONVERSATION_ID, "fake"],
                       check=True, env=self.env())

    def modes(self) -> list[Mode]:
        ready = last_line_starts(">")
        chat = [self.exe("llm"), "chat", "-m", "fake"]
        return [Mode(LINE, "llm chat", chat, ready, [*chat, "--cid", CONVERSATION_ID], ready)]

    def oneshot(self) -> list[str]:
        return [self.exe("llm"), "-m", "fake", "say ok"]
