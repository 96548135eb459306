"""Settings: the TOML config file, then the environment, then command-line flags.

The config file is `$AGENTSH_CONFIG`, else `$XDG_CONFIG_HOME/agentsh/config.toml`
(`~/.config/agentsh/config.toml`). Unknown keys are errors, so a typo is never ignored.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from .errors import ConfigError, UsageError
from .profiles import AgentProfile

DEFAULT_SYSTEM_PROMPT = (
    "You are agentsh, a capable assistant working in the user's terminal. "
    "Use the tools you are given when they help; answer concisely and say plainly when you are unsure."
)

# Provider key → the model agentsh uses when that key is the only configuration found.
PROVIDER_DEFAULTS = [
    ("OPENAI_API_KEY", "openai/gpt-4o-mini"),
    ("ANTHROPIC_API_KEY", "anthropic/claude-3-5-haiku-latest"),
    ("GEMINI_API_KEY", "gemini/gemini-2.0-flash"),
    ("GROQ_API_KEY", "groq/llama-3.3-70b-versatile"),
    ("MISTRAL_API_KEY", "mistral/mistral-small-latest"),
    ("DEEPSEEK_API_KEY", "deepseek/deepseek-chat"),
]


class MemorySettings(BaseModel):
    """`[memory]`: long-term memory. Recall runs before every answer; consolidation in the background."""

    model_config = ConfigDict(extra="forbid")

    recall: bool = True
    recall_limit: int = Field(5, ge=0, le=50)
    consolidate: bool = True
    consolidate_every: int = Field(10, ge=1)  # turns
    idle_seconds: float = Field(300.0, gt=0)  # a session quiet this long is consolidated
    model: str | None = None  # the session's model when unset


class ContextSettings(BaseModel):
    """`[context]`: when to compact a long conversation into a summary."""

    model_config = ConfigDict(extra="forbid")

    budget_ratio: float = Field(0.75, gt=0, le=1)  # of the model's context window
    budget_tokens: int | None = Field(None, ge=256)  # overrides the ratio
    window: int | None = Field(None, ge=256)  # when litellm does not know the model
    default_window: int = Field(32_768, ge=256)
    keep_ratio: float = Field(0.5, gt=0, lt=1)  # of the budget, kept verbatim (newest turns)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    mode: str | None = None  # None: a new session takes DEFAULT_MODE, a resumed one keeps its own
    max_steps: int = Field(20, ge=1, le=1000)
    approval: Literal["ask", "auto", "deny"] = "ask"
    allow_tools: list[str] = Field(default_factory=list)
    deny_tools: list[str] = Field(default_factory=list)
    plugin_dirs: list[Path] = Field(default_factory=list)
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    tool_timeout: float = Field(60.0, gt=0)
    request_timeout: float = Field(600.0, gt=0)
    stream_idle_timeout: float = Field(60.0, gt=0)
    store_timeout: float = Field(30.0, gt=0)  # seconds a write waits for another process writing the session database
    retries: int = Field(3, ge=0, le=10)
    home: Path | None = None
    agents: dict[str, AgentProfile] = Field(default_factory=dict)
    modes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    context: ContextSettings = Field(default_factory=ContextSettings)
    _from_flags: set[str] | None = PrivateAttr(default=None)

    def given(self, name: str) -> bool:
        """Did the user ask for this setting for this run (a flag), rather than as a default?

        A resumed session keeps its own mode and model unless a flag says otherwise;
        the config file and AGENTSH_* variables only choose them for new sessions.
        Settings built in code count every field passed to the constructor as given.
        """
        given = self._from_flags if self._from_flags is not None else self.model_fields_set
        return name in given and getattr(self, name) is not None

    def without_flags(self) -> "Settings":
        """The same settings with no flag counted as given: a session opened later keeps its own mode and model."""
        copy = self.model_copy()
        copy._from_flags = set()
        return copy


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "agentsh"


def config_path() -> Path:
    override = os.environ.get("AGENTSH_CONFIG")
    return Path(override) if override else config_dir() / "config.toml"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """File < environment < flags. `overrides` holds only the flags the user gave."""
    values = _read_file(config_path())
    values.update(_from_environment())
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        settings = Settings.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid setting {where!r}: {first['msg']} (config file: {config_path()})") from None
    settings._from_flags = {key for key, value in (overrides or {}).items() if value is not None}
    return settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """load_settings with the flags a command line gave (an argparse namespace; missing flags are unset)."""
    overrides: dict[str, Any] = {
        "model": getattr(args, "model", None),
        "mode": getattr(args, "mode", None),
        "home": getattr(args, "home", None),
        "max_steps": getattr(args, "max_steps", None),
        "approval": "auto" if getattr(args, "yes", False) else None,
    }
    _check_flags(overrides)
    settings = load_settings(overrides)
    extra = getattr(args, "plugins", None) or []
    if extra:
        settings = settings.model_copy(update={"plugin_dirs": [*settings.plugin_dirs, *extra]})
    return settings


def _check_flags(overrides: dict[str, Any]) -> None:
    """A bad flag is a usage error that names the flag, not a problem with the config file."""
    try:
        Settings.model_validate({k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        first = error.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-")
        raise UsageError(f"{flag}: {first['msg']}") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None


def _from_environment() -> dict[str, Any]:
    mapping = {"AGENTSH_MODEL": "model", "AGENTSH_MODE": "mode", "AGENTSH_HOME": "home"}
    return {key: os.environ[var] for var, key in mapping.items() if os.environ.get(var)}


def data_home(settings: Settings) -> Path:
    """--home / AGENTSH_HOME > ./sessions/ in a source checkout > the XDG data dir."""
    if settings.home is not None:
        return Path(settings.home).expanduser()
    checkout = Path.cwd() / "sessions"
    if checkout.is_dir() and (Path.cwd() / "agentsh" / "__init__.py").is_file():
        return checkout
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "agentsh"


def choose_model(settings: Settings) -> tuple[str, str | None]:
    """The model to use, and a notice when agentsh had to pick it itself."""
    if settings.model:
        return settings.model, None
    for variable, model in PROVIDER_DEFAULTS:
        if os.environ.get(variable):
            return model, f"using {model} (found {variable}); choose another with --model or AGENTSH_MODEL"
    return "offline", (
        "no model configured and no provider key found: using the built-in offline model, which does not reason. "
        "Set e.g. OPENAI_API_KEY, or pass --model (e.g. --model ollama_chat/llama3.2)."
    )
