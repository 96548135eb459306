"""Which MCP servers to run: `[mcp_servers.NAME]` in config.toml, and a trusted project's `.mcp.json`.

    [mcp_servers.time]
    command = "mcp-server-time"        # stdio: command, args, env, cwd
    [mcp_servers.docs]
    url = "http://127.0.0.1:8931/mcp"  # streamable HTTP; legacy SSE when the URL ends in /sse

Values of `env` and `headers` (and `args`, `url`) may name environment variables as `${VAR}`:
they are expanded when the server starts, so a token never has to be written in the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..config import STRICT, PathText, config_path, config_problem, is_trusted
from ..errors import ConfigError

PROJECT_FILE = ".mcp.json"
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class McpServer(BaseModel):
    """One `[mcp_servers.NAME]` table."""

    model_config = STRICT

    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: PathText | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    tools: list[str] | None = None  # only these of the server's tools reach the model
    allow: list[str] = Field(default_factory=list)  # tools that run without asking ("*": all of this server's)
    enabled: bool = True
    timeout: float = Field(60.0, gt=0)  # seconds a tool call may take
    startup_timeout: float = Field(30.0, gt=0)  # seconds to start and list tools

    @model_validator(mode="after")
    def _one_transport(self) -> McpServer:
        if (self.command is None) == (self.url is None):
            raise ValueError("needs either `command` (a program to run) or `url` (a server to reach), not both")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {self.url!r}")
        return self

    @property
    def transport(self) -> Literal["stdio", "http", "sse"]:
        if self.command is not None:
            return "stdio"
        return "sse" if (self.url or "").rstrip("/").endswith("/sse") else "http"

    def target(self) -> str:
        """What the server is, in a few words: its command line or its URL."""
        if self.command is not None:
            return " ".join([self.command, *self.args])
        return self.url or ""


@dataclass(frozen=True)
class ServerEntry:
    name: str
    config: McpServer
    origin: Path  # the file that configured it


class _ProjectServer(BaseModel):
    """One entry of `.mcp.json` as other clients write it (keys they add for themselves are ignored)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["stdio", "http", "streamable-http", "streamableHttp", "sse"] | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    def as_server(self, folder: Path) -> dict[str, Any]:
        values = self.model_dump(exclude={"type"}, exclude_none=True)
        if self.cwd is not None:
            values["cwd"] = str(folder / self.cwd)
        return values


def configured_servers(tables: dict[str, Any], workspace: Path) -> tuple[list[ServerEntry], list[str]]:
    """The servers of the config file, then those of the workspace's `.mcp.json` when the folder is trusted.

    Returns the enabled ones and notices (a project file not used). ConfigError names a bad key.
    """
    servers = [parse_server(name, table, config_path()) for name, table in tables.items()]
    project, notices = project_servers(workspace)
    known = {s.name for s in servers}
    servers += [s for s in project if s.name not in known]  # the user's own config wins a name clash
    return [s for s in servers if s.config.enabled], notices


def parse_server(name: str, table: Any, origin: Path) -> ServerEntry:
    key = f"mcp_servers.{name}"
    if not NAME_PATTERN.match(name) or "__" in name:
        raise ConfigError(
            f"{origin}: {key}: a server's name must start with a letter and have only letters, digits, - and _ "
            "(no __, at most 32): it becomes the start of its tools' names"
        )
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: {key} must be a table")
    try:
        return ServerEntry(name, McpServer.model_validate(table), origin)
    except ValidationError as error:
        raise ConfigError(f"{origin}: {config_problem(error, McpServer, prefix=('mcp_servers', name))}") from None


def project_servers(workspace: Path) -> tuple[list[ServerEntry], list[str]]:
    path = workspace / PROJECT_FILE
    if not path.is_file():
        return [], []
    if not is_trusted(workspace):
        return [], [
            f"this folder has its own MCP servers ({PROJECT_FILE}), chosen by whoever wrote the folder: not started. "
            "Run `agentsh trust` here to use them."
        ]
    return _read_project_file(path), []


def _read_project_file(path: Path) -> list[ServerEntry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from None
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise ConfigError(f'{path} must be a JSON object with "mcpServers": {{"NAME": {{"command": ...}}}}')
    entries = []
    for name, value in servers.items():
        try:
            table = _ProjectServer.model_validate(value).as_server(path.parent)
        except ValidationError as error:
            raise ConfigError(f"{path}: {config_problem(error, _ProjectServer, prefix=('mcpServers', name))}") from None
        entries.append(parse_server(name, table, path))
    return entries


def expand(value: str, environ: Mapping[str, str] | None = None) -> str:
    """`value` with each `${VAR}` replaced by the variable's value; ValueError names one that is not set."""
    variables: Mapping[str, str] = os.environ if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name not in variables:
            raise ValueError(f"${{{name}}} is used in its configuration but {name} is not set in the environment")
        return variables[name]

    return _VARIABLE.sub(replace, value)


def expand_all(values: dict[str, str]) -> dict[str, str]:
    return {key: expand(value) for key, value in values.items()}
