"""Build a valid instance of a JSON schema: the offline model's structured answers."""

from __future__ import annotations

from typing import Any


def instance_for(schema: dict[str, Any], text: str = "", root: dict[str, Any] | None = None) -> Any:
    root = root or schema
    if "$ref" in schema:
        return instance_for(_resolve(schema["$ref"], root), text, root)
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return instance_for(_first_non_null(schema[key]), text, root)
    return _BY_TYPE.get(_type_of(schema), _string)(schema, text, root)


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _first_non_null(options: list[dict[str, Any]]) -> dict[str, Any]:
    return next((o for o in options if o.get("type") != "null"), options[0])


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "object" if "properties" in schema else "string")
    return next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind


def _object(schema: dict[str, Any], text: str, root: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {name: instance_for(sub, text, root) for name, sub in properties.items()}


def _array(schema: dict[str, Any], text: str, root: dict[str, Any]) -> list[Any]:
    count = max(1, schema.get("minItems", 1))
    return [instance_for(schema.get("items", {}), text, root) for _ in range(count)]


def _string(schema: dict[str, Any], text: str, root: dict[str, Any]) -> str:
    value = text.strip() or "offline answer"
    limit = schema.get("maxLength")
    value = value[:limit] if limit else value
    return value.ljust(schema.get("minLength", 0), ".")


def _number(schema: dict[str, Any], text: str, root: dict[str, Any]) -> int | float:
    value = schema.get("minimum", schema.get("exclusiveMinimum", 0) + (1 if "exclusiveMinimum" in schema else 0))
    return int(value) if _type_of(schema) == "integer" else float(value)


_BY_TYPE = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda schema, text, root: True,
    "null": lambda schema, text, root: None,
}
