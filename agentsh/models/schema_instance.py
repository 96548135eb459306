"""Build a valid instance of a JSON schema: the offline model's structured answers."""

from __future__ import annotations

import math
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
    if "prefixItems" in schema:  # a tuple: one value per position
        return [instance_for(item, text, root) for item in schema["prefixItems"]]
    count = max(1, schema.get("minItems", 1))
    count = min(count, schema.get("maxItems", count))
    items = [instance_for(schema.get("items", {}), text, root) for _ in range(count)]
    return [_variant(item, i) for i, item in enumerate(items)] if schema.get("uniqueItems") else items


def _variant(value: Any, index: int) -> Any:
    """The index-th distinct version of a value, for arrays whose items must be unique."""
    if index == 0 or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value + index
    return f"{value} {index + 1}" if isinstance(value, str) else value


_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "duration": "P1D",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "offline@example.com",
    "uri": "https://example.com/",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
}


def _string(schema: dict[str, Any], text: str, root: dict[str, Any]) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    value = text.strip() or "offline answer"
    limit = schema.get("maxLength")
    value = value[:limit] if limit else value
    return value.ljust(schema.get("minLength", 0), ".")


def _number(schema: dict[str, Any], text: str, root: dict[str, Any]) -> int | float:
    low = _limit(schema, "minimum", "exclusiveMinimum", 1)
    high = _limit(schema, "maximum", "exclusiveMaximum", -1)
    if low is None:
        value = 0 if high is None else min(0, high)
    elif high is None or low <= high:
        value = low
    else:  # a narrow exclusive range such as (0, 0.5): take its middle
        value = (low - 1 + high + 1) / 2
    step = schema.get("multipleOf")
    value = math.ceil(value / step) * step if step else value
    return math.ceil(value) if _type_of(schema) == "integer" else float(value)


def _limit(schema: dict[str, Any], inclusive: str, exclusive: str, step: int) -> float | None:
    if inclusive in schema:
        return schema[inclusive]
    return schema[exclusive] + step if exclusive in schema else None


_BY_TYPE = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _number,
    "number": _number,
    "boolean": lambda schema, text, root: True,
    "null": lambda schema, text, root: None,
}
