"""`agentsh mcp add` / `remove`: a `[mcp_servers.NAME]` table written to, or taken out of, the user's config file.

Only that table changes: the user's other lines, comments and order stay. The new text must parse
to the old settings plus (or minus) that server, or nothing is written; the file is replaced atomically.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from ..config import config_path
from ..errors import ConfigError
from .config import parse_server

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def add_server(name: str, table: dict[str, Any]) -> Path:
    """Write `[mcp_servers.NAME]` with `table`; ConfigError when the name is taken or the table is not valid."""
    path = _target()
    parse_server(name, table, path)  # checked before anything is written
    old = _read(path)
    old_values = _parse(old, path)
    if name in old_values.get("mcp_servers", {}):
        raise ConfigError(f"an MCP server named {name!r} is already in {path}; `agentsh mcp remove {name}` first")
    new = f"{old}{'' if not old or old.endswith(chr(10)) else chr(10)}{'' if not old.strip() else chr(10)}{_table_text(name, table)}"
    expected = {**old_values, "mcp_servers": {**old_values.get("mcp_servers", {}), name: table}}
    _replace(path, new, expected)
    return path


def remove_server(name: str) -> Path:
    path = _target()
    old = _read(path)
    old_values = _parse(old, path)
    if name not in old_values.get("mcp_servers", {}):
        raise ConfigError(f"there is no MCP server named {name!r} in {path} (`agentsh mcp list` shows them)")
    new = _without_table(old, name)
    servers = {k: v for k, v in old_values["mcp_servers"].items() if k != name}
    expected = {k: v for k, v in old_values.items() if k != "mcp_servers"} | ({"mcp_servers": servers} if servers else {})
    if new is None or _parse(new, path) != expected:
        raise ConfigError(f"could not take [mcp_servers.{name}] out of {path} without changing anything else; remove it there by hand")
    _replace(path, new, expected)
    return path


def _without_table(text: str, name: str) -> str | None:
    """`text` without the `[mcp_servers.NAME]` table and its sub-tables; None when it is not written as a table."""
    own = re.compile(rf'^[ \t]*\[[ \t]*mcp_servers[ \t]*\.[ \t]*("{re.escape(name)}"|{re.escape(name)})[ \t]*(\.[^\]]*)?\][ \t]*(#.*)?$')
    header = re.compile(r"^[ \t]*\[")
    kept, inside, found = [], False, False
    for line in text.splitlines(keepends=True):
        if header.match(line):
            inside = bool(own.match(line.rstrip("\r\n")))
            found = found or inside
        if not inside:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n" if found else None


def _table_text(name: str, table: dict[str, Any]) -> str:
    lines = [f"[mcp_servers.{name}]"]
    lines += [f"{key} = {_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 32 or ord(c) == 127 else c) for c in text) + '"'


def _target() -> Path:
    return Path(os.path.realpath(config_path()))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def _replace(path: Path, text: str, expected: dict[str, Any]) -> None:
    if _parse(text, path) != expected:
        raise ConfigError(f"could not write the MCP server to {path} without changing anything else; add it there by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    if path.exists():
        os.chmod(temporary, path.stat().st_mode & 0o7777)
    temporary.replace(path)
