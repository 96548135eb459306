"""Closed choices in the schemas a model fills (structured answers and tool arguments).

A value validated against a list (a route, a plan's agent, a vote, a memory kind) is listed in
the JSON schema itself as `enum`: a model that follows the schema (json_schema on a server with
grammars, or a strict provider) can then only pick a valid value, instead of filling a free-text
field with "the research assistant".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field


def one_of(values: Sequence[Any]) -> Any:
    """A type accepting only `values`, listed as `enum` in its schema (pydantic writes a lone value as `const` only)."""
    choices: Any = Literal[tuple(values)]  # built at run time: mypy cannot check a Literal of a variable
    return Annotated[choices, Field(json_schema_extra=listed(values))]


def listed(values: Sequence[Any]) -> dict[str, Any]:
    """`json_schema_extra` for a field checked against `values` by its own validator (with its own message)."""
    return {"enum": list(values)}
