"""elia: an OpenAI-compatible model in its config.toml (`[[models]]` with `api_base`), made the default model.
Its prompt sends with ctrl+j. A saved chat is opened by picking it from the home screen's list: no command
or option resumes one, so its resume figures are n/a."""

from __future__ import annotations

from .tool import FULL_SCREEN, Mode, Tool, pip_version, shows


class Elia(Tool):
    setup = ("config.toml in the temp XDG_CONFIG_HOME: a `[[models]]` entry `openai/fake-model` with `api_base` and "
             "`api_key`, made `default_model`; a prompt is sent with ctrl+j. No resume figures: a saved chat is picked "
             "from the home screen's list, no command or option opens one")
    def version(self) -> str:
        return pip_version(self.bin_dir / "python", "elia-chat")

    def prepare(self) -> None:
        assert self.server is not None
        config = self.home / ".config" / "elia"
        config.mkdir(parents=True)
        (config / "config.toml").write_text(
            'default_model = "fake"\n\n[[models]]\n'
            f'id = "fake"\nname = "openai/{self.model}"\napi_base = "{self.server.base_url}"\napi_key = "sk-bench"\n'
        )

    def modes(self) -> list[Mode]:
        return [Mode(FULL_SCREEN, "elia", [self.exe("elia")], shows("Enter your message"),
                     no_resume="n/a (a saved chat is picked from a list; no command resumes one)", submit=("C-j",))]
