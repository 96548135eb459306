"""Settings: the TOML config file, then the environment, then command-line flags.

The config file is `$AGENTSH_CONFIG`, else `$XDG_CONFIG_HOME/agentsh/config.toml`
(`~/.config/agentsh/config.toml`). Every section and value is checked when it is read: an
unknown key is an error with a "did you mean", values are not coerced across types (TOML has
its own: `max_steps = "20"` and `home = 5` are errors), and each problem is one sentence
naming the key (`config_problem`), never pydantic's own wording.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .errors import ConfigError, UsageError
from .profiles import BUNDLED_PROFILES, AgentProfile, ModelName

DEFAULT_SYSTEM_PROMPT = (
    "You are agentsh, a capable assistant working in the user's terminal. "
    "Use the tools you are given when they help; answer concisely and say plainly when you are unsure."
)

PROJECT_STORE_DIR = "sessions"

# Provider key → the model agentsh uses when that key is the only configuration found.
PROVIDER_DEFAULTS = [
    ("OPENAI_API_KEY", "openai/gpt-4o-mini"),
    ("ANTHROPIC_API_KEY", "anthropic/claude-3-5-haiku-latest"),
    ("GEMINI_API_KEY", "gemini/gemini-2.0-flash"),
    ("GROQ_API_KEY", "groq/llama-3.3-70b-versatile"),
    ("MISTRAL_API_KEY", "mistral/mistral-small-latest"),
    ("DEEPSEEK_API_KEY", "deepseek/deepseek-chat"),
]


# The orchestration modes, by name: the keys `[modes.NAME]` may use (tests check it against agentsh.modes).
MODE_NAMES = ("chat", "tools", "react", "pipeline", "router", "planner", "supervisor", "parallel", "reflect", "debate", "consensus", "events")
STRICT = ConfigDict(extra="forbid", strict=True)  # TOML has types of its own: "20" is not a number here


def _path_text(value: Any) -> Any:
    if isinstance(value, Path):
        return value
    if isinstance(value, str):
        return Path(value)
    raise PydanticCustomError("path_text", "must be a path (text)")


PathText = Annotated[Path, BeforeValidator(_path_text)]


class MemorySettings(BaseModel):
    """`[memory]`: long-term memory. Recall runs before every answer; consolidation in the background."""

    model_config = STRICT

    recall: bool = True
    recall_limit: int = Field(5, ge=0, le=50)
    consolidate: bool = True
    consolidate_every: int = Field(10, ge=1)  # turns
    idle_seconds: float = Field(300.0, gt=0)  # a session quiet this long is consolidated
    model: ModelName = None  # the session's model when unset; a list: fallback models


class ContextSettings(BaseModel):
    """`[context]`: when to compact a long conversation into a summary."""

    model_config = STRICT

    budget_ratio: float = Field(0.75, gt=0, le=1)  # of the model's context window
    budget_tokens: int | None = Field(None, ge=256)  # overrides the ratio
    window: int | None = Field(None, ge=256)  # when litellm does not know the model
    default_window: int = Field(32_768, ge=256)
    keep_ratio: float = Field(0.5, gt=0, lt=1)  # of the budget, kept verbatim (newest turns)


class BudgetSettings(BaseModel):
    """`[budget]`: what a turn, a session and a day may spend. Unset: no limit.

    Checked before every model call of the turn, nested modes included: at 80% a warning, at 100% the turn stops
    (its partial work kept, marked budget-limited). Cost is litellm's price for the model: a model whose price is
    unknown counts towards the token limits only (a warning says so once per turn).
    """

    model_config = STRICT

    max_cost: float | None = Field(None, gt=0)  # per turn, in the provider's currency (USD)
    max_tokens: int | None = Field(None, ge=1)  # per turn, prompt + completion
    max_model_calls: int | None = Field(None, ge=1)  # per turn, every nested mode and agent included
    session_max_cost: float | None = Field(None, gt=0)
    session_max_tokens: int | None = Field(None, ge=1)
    daily_max_cost: float | None = Field(None, gt=0)  # since local midnight, every session of this data home
    daily_max_tokens: int | None = Field(None, ge=1)


class ServiceSettings(BaseModel):
    """`[service]`: the task service (`agentsh serve`)."""

    model_config = STRICT

    port: int = Field(8719, ge=0, le=65535)  # 0: any free port
    concurrency: int = Field(4, ge=1, le=256)  # tasks running at once; more wait, queued
    idle_timeout: float = Field(600.0, ge=0)  # seconds with nothing to do before a service started on demand stops (0: never)


DEFAULT_MODE = "tools"  # a new session's mode when none is set (here, not in modes/: the plain REPL's prompt shows it before modes/ is imported)


class Settings(BaseModel):
    model_config = STRICT

    model: ModelName = None  # a list: fallback models, tried in order
    mode: str | None = None  # None: a new session takes DEFAULT_MODE, a resumed one keeps its own
    max_steps: int = Field(20, ge=1, le=1000)
    max_depth: int = Field(3, ge=1, le=10)  # how deep mode profiles may nest modes (the turn's own mode is level 0)
    approval: Literal["ask", "auto", "deny"] = "ask"
    allow_tools: list[str] = Field(default_factory=list)
    deny_tools: list[str] = Field(default_factory=list)
    plugin_dirs: list[PathText] = Field(default_factory=list)
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    tool_timeout: float = Field(60.0, gt=0)
    max_tools: int = Field(64, ge=2, le=1000)  # more tools than this: a request carries the most relevant and find_tools
    request_timeout: float = Field(600.0, gt=0)
    stream_idle_timeout: float = Field(60.0, gt=0)  # between chunks, once the answer has begun
    first_token_timeout: float = Field(600.0, gt=0)  # before the first byte: a CPU server reads a long prompt first
    answer_timeout: float = Field(600.0, gt=0)  # a whole streamed answer, however steadily it arrives
    store_timeout: float = Field(30.0, gt=0)  # seconds a write waits for another process writing the session database
    retries: int = Field(3, ge=0, le=10)
    home: PathText | None = None
    project_store: bool = False  # ./sessions of the current folder as the data home, in a trusted folder only
    agents: dict[str, AgentProfile] = Field(default_factory=dict)
    modes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    theme: str | None = None  # the TUI's colour theme, saved when it is switched there
    memory: MemorySettings = Field(default_factory=MemorySettings)
    # [mcp_servers.NAME]: each table checked by agentsh.mcp.config when a session opens (config cannot import it)
    mcp_servers: dict[str, dict[str, Any]] = Field(default_factory=dict)
    context: ContextSettings = Field(default_factory=ContextSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    _from_flags: set[str] | None = PrivateAttr(default=None)

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, modes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name in modes:
            if name not in MODE_NAMES:
                raise PydanticCustomError("unknown_key", "unknown key {key}", {"key": f"modes.{name}", "known": MODE_NAMES})
        return modes

    @field_validator("agents")
    @classmethod
    def _own_agents_have_a_prompt(cls, agents: dict[str, AgentProfile]) -> dict[str, AgentProfile]:
        """A bundled agent's table may leave out the prompt (it keeps the bundled one); an agent of the user's own needs one."""
        for name, profile in agents.items():
            _check_profile_mode(name, profile)
            _check_remote(name, profile)
            if name not in BUNDLED_PROFILES and "system_prompt" not in profile.model_fields_set and not profile.runs_apart:
                raise PydanticCustomError("missing_key", "missing key {key}", {"key": f"agents.{name}.system_prompt"})
        return agents

    def given(self, name: str) -> bool:
        """Did the user ask for this setting for this run (a flag), rather than as a default?

        A resumed session keeps its own mode and model unless a flag says otherwise;
        the config file and AGENTSH_* variables only choose them for new sessions.
        Settings built in code count every field passed to the constructor as given.
        """
        given = self._from_flags if self._from_flags is not None else self.model_fields_set
        return name in given and getattr(self, name) is not None

    def without_flags(self) -> Settings:
        """The same settings with no flag counted as given: a session opened later keeps its own mode and model."""
        copy = self.model_copy()
        copy._from_flags = set()
        return copy


WORKFLOW_PREFIX = "workflow:"  # `workflow:NAME` names a workflow run as a mode (checked where workflows are loaded)


def _check_profile_mode(name: str, profile: AgentProfile) -> None:
    """A mode profile names a known mode; keys beyond a profile's own are allowed only as its mode's settings."""
    if profile.mode is None:
        extra = next(iter(profile.mode_settings), None)
        if extra is not None:
            known = tuple(AgentProfile.model_fields)
            raise PydanticCustomError("unknown_key", "unknown key {key}", {"key": f"agents.{name}.{extra}", "known": known})
        return
    if profile.mode not in MODE_NAMES and not profile.mode.startswith(WORKFLOW_PREFIX):
        raise PydanticCustomError(
            "value_error", "{error}",
            {"error": f"unknown mode {profile.mode!r}{_name_suggestion(profile.mode, MODE_NAMES)}", "key": f"agents.{name}.mode"},
        )


def _check_remote(name: str, profile: AgentProfile) -> None:
    """A remote agent (`url`) is an http(s) address, and it is not also a mode; `headers` and `timeout` are its only."""
    if profile.url is None:
        loose = next((key for key in ("headers", "timeout") if key in profile.model_fields_set), None)
        if loose is not None:
            error = f"{loose} is for a remote agent: add url, or remove {loose}"
            raise PydanticCustomError("value_error", "{error}", {"error": error, "key": f"agents.{name}.{loose}"})
        return
    if profile.mode is not None:
        error = "an agent is either a remote agent (url) or a mode, not both: remove url or mode"
        raise PydanticCustomError("value_error", "{error}", {"error": error, "key": f"agents.{name}"})
    if not profile.url.startswith(("http://", "https://")):
        error = f"{profile.url!r} is not an http:// or https:// address of an A2A agent"
        raise PydanticCustomError("value_error", "{error}", {"error": error, "key": f"agents.{name}.url"})


def _name_suggestion(name: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"


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
        raise ConfigError(f"{config_path()}: {config_problem(error, Settings)}") from None
    settings._from_flags = {key for key, value in (overrides or {}).items() if value is not None}
    return settings


def settings_from_args(args: argparse.Namespace) -> Settings:
    """load_settings with the flags a command line gave (an argparse namespace; missing flags are unset)."""
    overrides: dict[str, Any] = {
        "model": getattr(args, "model", None),
        "mode": getattr(args, "mode", None),
        "home": getattr(args, "home", None),
        "project_store": True if getattr(args, "project_store", False) else None,
        "max_steps": getattr(args, "max_steps", None),
        "approval": "auto" if getattr(args, "yes", False) else None,
    }
    _check_flags(overrides)
    settings = load_settings(overrides)
    extra = getattr(args, "plugins", None) or []
    if extra:
        settings = settings.model_copy(update={"plugin_dirs": [*settings.plugin_dirs, *extra]})
    return _with_budget_flags(settings, args)


def settings_with_flags(settings: Settings, flags: dict[str, Any]) -> Settings:
    """`settings` as if these flags had been given on its command line too (None: not given): how the task service
    gives each task its request's mode, model, --yes (approval "auto"), --max-cost and --max-tokens."""
    budget = {key: flags[key] for key in ("max_cost", "max_tokens") if flags.get(key) is not None}
    given = {key: value for key, value in flags.items() if value is not None and key not in budget}
    _check_flags(given)
    updated = settings.model_copy(update=given)
    updated._from_flags = (settings._from_flags if settings._from_flags is not None else set(settings.model_fields_set)) | set(given)
    return _with_budget_flags(updated, argparse.Namespace(**budget))


def _with_budget_flags(settings: Settings, args: argparse.Namespace) -> Settings:
    """--max-cost and --max-tokens over the config's `[budget]` (its other limits stay)."""
    flags = {"max_cost": getattr(args, "max_cost", None), "max_tokens": getattr(args, "max_tokens", None)}
    given = {key: value for key, value in flags.items() if value is not None}
    if not given:
        return settings
    try:
        budget = BudgetSettings.model_validate({**settings.budget.model_dump(exclude_unset=True), **given})
    except ValidationError as error:
        flag = "--" + str(error.errors()[0]["loc"][0]).replace("_", "-")
        raise UsageError(config_problem(error, BudgetSettings, name=flag)) from None
    return settings.model_copy(update={"budget": budget})


def _check_flags(overrides: dict[str, Any]) -> None:
    """A bad flag is a usage error that names the flag, not a problem with the config file."""
    try:
        Settings.model_validate({k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        flag = "--" + str(error.errors()[0]["loc"][0]).replace("_", "-")
        raise UsageError(config_problem(error, Settings, name=flag)) from None


_TOP_LEVEL_STRING = r'^(?P<head>[ \t]*{key}[ \t]*=[ \t]*)(?P<value>"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')(?P<tail>[^\n]*)$'
_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)


def save_top_level_string(key: str, value: str) -> None:
    """Set `key = "value"` at the top of the user's config file, leaving every other line as it was.

    Only that one line is written (or added before the first table): the user's comments, order
    and formatting stay. The new text must parse to the old settings plus this one change, or
    nothing is written. The file is replaced atomically; a symlinked config (dotfiles) is written
    through the link.
    """
    path = Path(os.path.realpath(config_path()))
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = _with_top_level_string(old, key, value)
    expected = {**_parse(old, path), key: value}
    if _parse(new, path) != expected:
        raise ConfigError(f"could not save {key} in {path} without changing anything else; set it there by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(new, encoding="utf-8")
    if path.exists():
        os.chmod(temporary, path.stat().st_mode & 0o7777)
    temporary.replace(path)


def _with_top_level_string(text: str, key: str, value: str) -> str:
    header = _TABLE_HEADER.search(text)
    top, tables = (text[: header.start()], text[header.start():]) if header else (text, "")
    line = f"{key} = {json.dumps(value)}"  # a JSON string of printable text is a TOML basic string
    pattern = re.compile(_TOP_LEVEL_STRING.format(key=re.escape(key)), re.MULTILINE)
    if pattern.search(top):
        top = pattern.sub(lambda m: f"{m['head']}{json.dumps(value)}{m['tail']}", top, count=1)
    else:
        top = f"{top}{'' if not top or top.endswith(chr(10)) else chr(10)}{line}\n" + ("\n" if tables else "")
    return top + tables


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


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
    """--home > AGENTSH_HOME > the config's `home` > ./sessions when opted in > the XDG data dir.

    What the current folder contains never decides: a cloned repository could otherwise ship a
    database whose memories reach the model. The project store (`project_store = true`, or
    --project-store) is used only in a folder the user trusts, and refused anywhere else.
    """
    if settings.home is not None:
        return Path(settings.home).expanduser()
    if settings.project_store:
        return project_store(Path.cwd())
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "agentsh"


def project_store(folder: Path) -> Path:
    """`folder`/sessions, when the user trusts `folder`."""
    if not is_trusted(folder):
        raise ConfigError(
            f"refused to keep sessions in {folder / PROJECT_STORE_DIR}: {folder} is not a trusted folder "
            "(run `agentsh trust` there first, or use --home)"
        )
    return folder / PROJECT_STORE_DIR


def trust_file() -> Path:
    """The user's list of trusted folders (`agentsh trust`), in the user's own config folder."""
    return config_dir() / "trusted.json"


def trusted_folders() -> list[Path]:
    try:
        data = json.loads(trust_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read the trust list {trust_file()}: {error}") from None
    return [Path(p) for p in data.get("trusted", []) if isinstance(p, str)]


def is_trusted(folder: Path) -> bool:
    return Path(os.path.realpath(folder)) in trusted_folders()


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


# The config's errors, as sentences ------------------------------------------------------------

KINDS = {  # what a value of each kind is called in an error
    "int_type": "a whole number", "int_from_float": "a whole number", "int_parsing": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "path_text": "a path (text)", "path_type": "a path (text)", "list_type": "a list",
    "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
}
BOUNDS = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
          "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}


def config_problem(error: ValidationError, model: type[BaseModel], prefix: tuple[str, ...] = (), name: str | None = None) -> str:
    """The first problem of `error` (validating `model`, found at `prefix` in the config) as one sentence.

    `name` replaces the key in the sentence (a flag: "--max-steps must be at least 1, not 0").
    """
    problems = error.errors()
    first = next((p for p in problems if p["type"] in ("extra_forbidden", "unknown_key")), problems[0])
    kind, context, value = first["type"], first.get("ctx") or {}, first.get("input")
    named = kind in ("unknown_key", "missing_key") or "key" in context  # our own validators name the key they found
    loc = (*prefix, *(tuple(context["key"].split(".")) if named else first["loc"]))
    key = name or _dotted(loc)
    if kind in ("extra_forbidden", "unknown_key"):
        known = context.get("known") or _keys_at(model, first["loc"][:-1])
        return f"unknown key {key}{_suggestion(loc, known)}"
    if kind in ("missing", "missing_key"):
        return f"{key} is required"
    if kind == "literal_error":
        return f"{key} must be one of {str(context.get('expected')).replace(chr(39), chr(34))}, not {_shown(value)}"
    if kind in BOUNDS:
        words, bound = BOUNDS[kind]
        limit = context.get(bound)
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        return f"{key} must be {words} {limit}, not {_shown(value)}"
    if kind in KINDS:
        return f"{key} must be {KINDS[kind]}, not {_shown(value)}"
    if kind == "value_error":  # our own validators word the problem; pydantic prefixes "Value error, "
        return f"{key}: {str(context.get('error') or first['msg']).removeprefix('Value error, ')}"
    return f"{key}: {first['msg']}"


def _dotted(loc: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _suggestion(loc: tuple, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(str(loc[-1]), list(known), n=1)
    if close:
        return f" (did you mean {_dotted((*loc[:-1], close[0]))}?)"
    return f" (known keys here: {', '.join(known)})" if known else ""


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    try:
        return json.dumps(value)
    except TypeError:  # a TOML date, say
        return str(value)


def _keys_at(model: Any, loc: tuple) -> list[str]:
    """The keys a table at `loc` under `model` may have (for "did you mean")."""
    annotation = model
    for part in loc:
        annotation = _table_type(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return []
    annotation = _table_type(annotation)
    return list(annotation.model_fields) if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []


def _table_type(annotation: Any) -> Any:
    """`X | None` → X; `Annotated[X, ...]` → X."""
    if get_origin(annotation) is Annotated:
        return _table_type(get_args(annotation)[0])
    if get_origin(annotation) in (Union, type(int | None)):
        candidates = [a for a in get_args(annotation) if a is not type(None)]
        return _table_type(candidates[0]) if len(candidates) == 1 else annotation
    return annotation
