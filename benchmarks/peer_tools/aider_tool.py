"""aider: the OpenAI-compatible server through --openai-api-base and `--model openai/NAME`; no git, no analytics,
no update or model-metadata checks."""

from __future__ import annotations

import shutil

from .tool import LINE, TURNS, Mode, Tool, last_line_starts, pip_version

NEWEST = "AIDER-TURN-200-ANSWER"


class Aider(Tool):
    setup = ("`--model openai/fake-model --openai-api-base URL --openai-api-key KEY --no-git --yes-always --analytics-disable "
             "--no-check-update --no-show-model-warnings --no-show-release-notes --map-tokens 0`; its model-price cache "
             "seeded from litellm's bundled copy (it would fetch it from GitHub); 200 turns in its chat-history file, "
             "opened with `--restore-chat-history`")
    def version(self) -> str:
        return pip_version(self.bin_dir / "python", "aider-chat")

    def env(self) -> dict[str, str]:
        return {**super().env(), "AIDER_ANALYTICS": "false", "AIDER_CHECK_UPDATE": "false"}

    def prepare(self) -> None:
        # the model-price table aider downloads on its first start and caches for a day: here, its bundled copy
        # (with no network, aider would try GitHub at every start)
        cache = self.home / ".aider" / "caches"
        cache.mkdir(parents=True)
        bundled = next((self.bin_dir.parent / "lib").glob("python3*/site-packages/litellm/model_prices_and_context_window_backup.json"))
        shutil.copy(bundled, cache / "model_prices_and_context_window.json")
        # aider's chat history file: each user message a "#### " line, the answer below it
        turns = []
        for n in range(1, TURNS + 1):
            answer = NEWEST if n == TURNS else f"answer {n}: " + "an earlier answer. " * 12
            turns.append(f"#### question {n}: what about this part?\n\n{answer}\n")
        (self.home / "history.md").write_text("# aider chat started at 2026-12-01 10:00:00\n\n" + "\n".join(turns))

    def argv(self, history: str = "fresh-history.md") -> list[str]:
        assert self.server is not None
        return [
            self.exe("aider"), "--model", f"openai/{self.model}", "--openai-api-base", self.server.base_url,
            "--openai-api-key", "sk-bench", "--no-git", "--yes-always", "--analytics-disable", "--no-check-update",
            "--no-show-model-warnings", "--no-show-release-notes", "--no-auto-commits", "--map-tokens", "0",
            "--chat-history-file", str(self.home / history), "--input-history-file", str(self.home / "input-history"),
        ]

    def modes(self) -> list[Mode]:
        ready = last_line_starts(">")
        resume = [*self.argv("history.md"), "--restore-chat-history"]
        return [Mode(LINE, "aider", self.argv(), ready, resume, ready)]

    def oneshot(self) -> list[str]:
        return [*self.argv(), "--message", "say ok"]
