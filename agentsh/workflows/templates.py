"""Templates: `{node}`, `{node.field}`, `{node.items[0]}`, `{inputs.NAME}` and `{request}` in a node's text.

A node's whole output is its text (or its JSON, when it has an `output` schema). `{{` and `}}` are
literal braces; any other brace that does not hold a name (a JSON example in a prompt) is left as it is.
A tool or python argument that is exactly one placeholder keeps the value's type (a number stays a number).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import WorkflowError

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+|\[\d+\])*)\}")
_PART = re.compile(r"\.?([A-Za-z0-9_-]+)|\[(\d+)\]")
INPUTS = "inputs"
REQUEST = "request"


@dataclass(frozen=True)
class Placeholder:
    text: str  # as written, without braces: "classify.topics"
    parts: tuple[str | int, ...]

    @property
    def root(self) -> str:
        return str(self.parts[0])


def split_path(text: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else name for name, index in _PART.findall(text))


@lru_cache(maxsize=4096)
def placeholders(template: str) -> tuple[Placeholder, ...]:
    """Every placeholder of `template`, in order (read once per text: the checker and the runner ask often)."""
    return tuple(Placeholder(m.group(1), split_path(m.group(1))) for m in PLACEHOLDER.finditer(template) if m.group(1))


Resolve = Callable[[Placeholder], Any]


def render(template: str, resolve: Resolve) -> str:
    """`template` with each placeholder replaced by its value's text."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        return as_text(resolve(Placeholder(match.group(1), split_path(match.group(1)))))

    return PLACEHOLDER.sub(substitute, template)


def render_value(value: Any, resolve: Resolve) -> Any:
    """An argument with its templates filled in: a lone placeholder keeps its type; dicts and lists recursively."""
    if isinstance(value, dict):
        return {key: render_value(item, resolve) for key, item in value.items()}
    if isinstance(value, list):
        return [render_value(item, resolve) for item in value]
    if not isinstance(value, str):
        return value
    match = PLACEHOLDER.fullmatch(value)
    if match and match.group(1):
        return resolve(Placeholder(match.group(1), split_path(match.group(1))))
    return render(value, resolve)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def field_of(value: Any, parts: tuple[str | int, ...], shown: str) -> Any:
    """`value`'s field at `parts`; WorkflowError naming what is missing (a model's output may lack a field)."""
    for index, part in enumerate(parts):
        where = shown.split(".")[0] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[:index])
        if isinstance(part, int) and isinstance(value, list):
            if part >= len(value):
                raise WorkflowError(f"{{{shown}}}: {where} has {len(value)} item(s), no [{part}]")
            value = value[part]
        elif isinstance(part, str) and isinstance(value, dict):
            if part not in value:
                raise WorkflowError(f"{{{shown}}}: {where} has no field {part!r} (it has: {', '.join(map(str, value)) or 'none'})")
            value = value[part]
        else:
            raise WorkflowError(f"{{{shown}}}: {where} is {type(value).__name__}, which has no {part!r}")
    return value
