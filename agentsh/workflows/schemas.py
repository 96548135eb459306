"""A node's `output` JSON schema: as a pydantic model (for the structured-output path) and as types the checker reads.

The schemas a workflow file writes are the common subset: `object` with `properties` and `required`,
`array` with `items`, `string` (optionally an `enum`), `number`, `integer`, `boolean`.
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

TYPES = ("object", "array", "string", "number", "integer", "boolean")
_PYTHON: dict[str, Any] = {"string": str, "number": float, "integer": int, "boolean": bool}


class SchemaProblem(ValueError):
    """An `output` schema outside the subset; the message says which key and what to write instead."""


def check_schema(schema: Any, where: str = "output") -> None:
    """Refuse, naming the key, what `model_for` cannot turn into a model the way the schema means it."""
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{where}: a schema must be a JSON object such as {{\"type\": \"string\"}}, not {json.dumps(schema)}")
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind not in TYPES:
        shown = f"not {kind!r}" if kind is not None else "and it has none"
        raise SchemaProblem(f"{where}: type must be one of {', '.join(TYPES)}, {shown}")
    if "enum" in schema:
        _check_enum(schema["enum"], where)
    if kind == "object":
        _check_object(schema, where)
    if kind == "array" and "items" in schema:
        check_schema(schema["items"], f"{where}[]")


def _check_enum(enum: Any, where: str) -> None:
    if not isinstance(enum, list) or not enum or not all(isinstance(value, str | int | bool) for value in enum):
        raise SchemaProblem(f"{where}: enum must be a list of one or more strings or integers, not {json.dumps(enum)}")


def _check_object(schema: dict[str, Any], where: str) -> None:
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise SchemaProblem(f"{where}: properties must be a table of field schemas")
    for name, sub in properties.items():
        if name.startswith("_") or (name.startswith("model_") and hasattr(BaseModel, name)):
            raise SchemaProblem(f"{where}: the field name {name!r} is reserved (a leading '_' or one of pydantic's model_ names): rename it")
        check_schema(sub, f"{where}.{name}")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        raise SchemaProblem(f"{where}: required must be a list of property names, not {json.dumps(required)}")
    unknown = [name for name in required if name not in properties]
    if unknown:
        raise SchemaProblem(f"{where}: required names {unknown[0]!r}, which is not among its properties")


def model_for(schema: dict[str, Any], name: str) -> type[BaseModel]:
    """A pydantic model of an object schema (a schema of another type is wrapped as its `value` field)."""
    if schema.get("type", "object") != "object":
        return create_model(_class_name(name), value=(_annotation(schema, name), ...))
    return _object_model(schema, name)


def _object_model(schema: dict[str, Any], name: str) -> type[BaseModel]:
    required = set(schema.get("required", schema.get("properties", {})))  # every field, unless said otherwise
    fields: dict[str, Any] = {}
    for field, sub in schema.get("properties", {}).items():
        annotation = _annotation(sub, f"{name}_{field}")
        info = Field(description=sub.get("description")) if field in required else Field(default=None, description=sub.get("description"))
        fields[field] = (annotation if field in required else annotation | None, info)
    return create_model(_class_name(name), __config__=ConfigDict(extra="ignore"), **fields)


def _annotation(schema: dict[str, Any], name: str) -> Any:
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]
    if kind == "object":
        return _object_model(schema, name) if schema.get("properties") else dict[str, Any]
    if kind == "array":
        return list[_annotation(schema.get("items", {"type": "string"}), f"{name}_item")]  # type: ignore[misc]
    return _PYTHON.get(kind, str)


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_")) or "Output"


def unwrap(schema: dict[str, Any], value: dict[str, Any]) -> Any:
    """The node's output value from the model's validated answer (a non-object schema was wrapped)."""
    return value.get("value") if schema.get("type", "object") != "object" else value


def kind_of(schema: dict[str, Any]) -> str:
    return str(schema.get("type", "object" if "properties" in schema else "string"))


def field_schema(schema: dict[str, Any] | None, parts: tuple[str | int, ...], shown: str) -> tuple[dict[str, Any] | None, str | None]:
    """The schema of `parts` inside `schema` (None: text or unknown), or a problem with a suggestion."""
    current = schema
    for index, part in enumerate(parts):
        inside = _inside(current, part)
        if inside is None:
            return None, _field_problem(current, parts, index, shown)
        current = inside
    return current, None


def _inside(schema: dict[str, Any] | None, part: str | int) -> dict[str, Any] | None:
    """The schema of `part` (an item index or a field) of a value of `schema`; None when there is no such part."""
    if schema is None:
        return None
    kind = kind_of(schema)
    if isinstance(part, int):
        return schema.get("items", {"type": "string"}) if kind == "array" else None
    return schema.get("properties", {}).get(part) if kind == "object" else None


def _field_problem(current: dict[str, Any] | None, parts: tuple[str | int, ...], index: int, shown: str) -> str:
    """Why `parts[index]` cannot be read from `current` (the schema of what comes before it), and what to do."""
    part = parts[index]
    so_far = shown.split(".")[0] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts[:index])
    if current is None:
        return f"{so_far} is text (its node has no output schema), so it has no field {part!r}: add an output schema to that node"
    kind = kind_of(current)
    if isinstance(part, int):
        return f"{so_far} is {_article(kind)}, not an array: remove [{part}]"
    if kind != "object":
        return f"{so_far} is {_article(kind)}, which has no field {part!r}"
    return f"{so_far} has no field {part!r}{suggestion(part, list(current.get('properties', {})))}"


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def suggestion(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f" (known: {', '.join(known)})" if known else ""
