"""Forms a tool server asks the user to fill in (MCP elicitation): the schema, the fields, checked answers.

MCP restricts what a server may ask for to a flat object whose properties are each a string
(optionally with a format, or a closed choice through `enum` / `oneOf`), a number, an integer or a
boolean. `form_fields` turns such a schema into fields, and refuses anything else with one sentence;
`parse` reads what a user typed into a field; `check_answers` validates a whole answer. Both UIs build
their form from these, so what a server gets back is checked the same way, whichever UI answered.
Every title, description and choice is the server's text: the UIs show it literally.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

MAX_FIELDS = 50
FORMATS = ("email", "uri", "date", "date-time")
Kind = Literal["string", "number", "integer", "boolean", "choice"]
Action = Literal["accept", "decline", "cancel"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_TRUE, _FALSE = ("y", "yes", "true", "1", "on"), ("n", "no", "false", "0", "off")


class FormError(ValueError):
    """A schema no form can be built from, or an answer that does not fit its field (the message says which)."""


@dataclass(frozen=True)
class FormAnswer:
    """What the user did with a form: accept (with `content`), decline, or cancel (dismissed, or nobody could answer)."""

    action: Action
    content: dict[str, Any] | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    kind: Kind
    title: str
    description: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None

    def hint(self) -> str:
        """What the field takes, in a few words: "integer, 1 to 10, required"."""
        parts = [self.format or self.kind] if self.kind != "choice" else ["one of " + ", ".join(c.label for c in self.choices)]
        if self.minimum is not None or self.maximum is not None:
            parts.append(_range(self.minimum, self.maximum))
        if self.min_length is not None or self.max_length is not None:
            parts.append(_range(self.min_length, self.max_length) + " characters")
        parts.append("required" if self.required else "optional")
        return ", ".join(parts)

    def parse(self, text: str) -> Any:
        """The value typed as `text`; None for an empty optional field. FormError says what is wrong."""
        text = text.strip()
        if not text:
            if self.required and self.default is None:
                raise FormError(f"{self.title}: required")
            return self.default
        return self.check(_PARSERS[self.kind](self, text))

    def check(self, value: Any) -> Any:
        """`value` if it fits this field (a whole number is accepted for a number); FormError otherwise."""
        checker = _CHECKERS[self.kind]
        checker(self, value)
        return value


def form_fields(schema: Any) -> list[FormField]:
    """The fields of an MCP elicitation schema, in its order; FormError when it is not one MCP allows."""
    if not isinstance(schema, dict) or schema.get("type") != "object" or not isinstance(schema.get("properties", {}), dict):
        raise FormError("the requested schema is not an object with properties")
    properties, required = schema.get("properties", {}), schema.get("required", [])
    if len(properties) > MAX_FIELDS:
        raise FormError(f"the form has {len(properties)} fields; at most {MAX_FIELDS} are shown")
    if not isinstance(required, list) or not all(isinstance(name, str) for name in required):
        raise FormError("the requested schema's `required` is not a list of names")
    return [_field(str(name), spec, name in required) for name, spec in properties.items()]


def check_answers(fields: list[FormField], content: dict[str, Any]) -> dict[str, Any]:
    """The answer to send: each field's checked value, without empty optional ones. FormError names the first problem."""
    unknown = sorted(set(content) - {f.name for f in fields})
    if unknown:
        raise FormError(f"no such field: {', '.join(unknown)}")
    answer = {}
    for item in fields:
        value = content.get(item.name, item.default)
        if value is None or value == "":
            if item.required:
                raise FormError(f"{item.title}: required")
            continue
        answer[item.name] = item.check(value)
    return answer


def _field(name: str, spec: Any, required: bool) -> FormField:
    if not isinstance(spec, dict):
        raise FormError(f"field {name!r} has no schema")
    kind = _kind(name, spec)
    item = FormField(
        name=name, kind=kind, required=required, title=_text(spec.get("title")) or name, description=_text(spec.get("description")),
        choices=_choices(name, spec) if kind == "choice" else (), minimum=_number(spec, "minimum"),
        maximum=_number(spec, "maximum"), min_length=_count(spec, "minLength"), max_length=_count(spec, "maxLength"),
        format=_format(name, spec),
    )
    default = spec.get("default")
    if default is not None:
        try:
            return replace(item, default=item.check(default))
        except FormError:
            pass  # a default that does not fit its own field is not offered
    return item


def _kind(name: str, spec: dict[str, Any]) -> Kind:
    kind = spec.get("type")
    if kind == "string" and ("enum" in spec or "oneOf" in spec):
        return "choice"
    if kind in ("string", "number", "integer", "boolean"):
        return kind
    raise FormError(f"field {name!r} is of type {kind!r}: a form takes only text, numbers, integers, yes/no and choices")


def _choices(name: str, spec: dict[str, Any]) -> tuple[Choice, ...]:
    if "oneOf" in spec:
        options = spec["oneOf"]
        if not isinstance(options, list) or not all(isinstance(o, dict) and isinstance(o.get("const"), str) for o in options):
            raise FormError(f"field {name!r}: each choice of `oneOf` needs a text `const`")
        found = tuple(Choice(o["const"], _text(o.get("title")) or o["const"]) for o in options)
    else:
        values, labels = spec.get("enum"), spec.get("enumNames")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise FormError(f"field {name!r}: `enum` must be a list of texts")
        names = labels if isinstance(labels, list) and len(labels) == len(values) else values
        found = tuple(Choice(v, _text(label) or v) for v, label in zip(values, names, strict=True))
    if not found:
        raise FormError(f"field {name!r} offers no choice")
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(spec: dict[str, Any], key: str) -> float | None:
    value = spec.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) else None


def _count(spec: dict[str, Any], key: str) -> int | None:
    value = spec.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _format(name: str, spec: dict[str, Any]) -> str | None:
    value = spec.get("format")
    if value is None or spec.get("type") != "string":
        return None
    if value not in FORMATS:
        raise FormError(f"field {name!r} has the format {value!r}; a form knows {', '.join(FORMATS)}")
    return str(value)


def _range(low: float | None, high: float | None) -> str:
    shown = [f"{v:g}" if v is not None else "" for v in (low, high)]
    if low is None:
        return f"at most {shown[1]}"
    return f"at least {shown[0]}" if high is None else f"{shown[0]} to {shown[1]}"


def _parse_number(item: FormField, text: str) -> float | int:
    try:
        value = float(text)
    except ValueError:
        raise FormError(f"{item.title}: {text!r} is not a number") from None
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


def _parse_integer(item: FormField, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FormError(f"{item.title}: {text!r} is not a whole number") from None


def _parse_boolean(item: FormField, text: str) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise FormError(f"{item.title}: answer yes or no")


def _parse_choice(item: FormField, text: str) -> str:
    """A choice by its number in the list, its value or its label."""
    if text.isdigit() and 1 <= int(text) <= len(item.choices):
        return item.choices[int(text) - 1].value
    for choice in item.choices:
        if text in (choice.value, choice.label) or text.lower() == choice.label.lower():
            return choice.value
    raise FormError(f"{item.title}: choose one of {', '.join(c.label for c in item.choices)}")


def _check_string(item: FormField, value: Any) -> None:
    if not isinstance(value, str):
        raise FormError(f"{item.title}: expected text")
    if item.min_length is not None and len(value) < item.min_length:
        raise FormError(f"{item.title}: at least {item.min_length} characters")
    if item.max_length is not None and len(value) > item.max_length:
        raise FormError(f"{item.title}: at most {item.max_length} characters")
    if item.format is not None and not _FORMAT_CHECKS[item.format](value):
        raise FormError(f"{item.title}: not a valid {item.format}")


def _check_number(item: FormField, value: Any) -> None:
    whole = item.kind == "integer"
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float) or not math.isfinite(value):
        raise FormError(f"{item.title}: expected {'a whole number' if whole else 'a number'}")
    if item.minimum is not None and value < item.minimum:
        raise FormError(f"{item.title}: at least {item.minimum:g}")
    if item.maximum is not None and value > item.maximum:
        raise FormError(f"{item.title}: at most {item.maximum:g}")


def _check_boolean(item: FormField, value: Any) -> None:
    if not isinstance(value, bool):
        raise FormError(f"{item.title}: expected yes or no")


def _check_choice(item: FormField, value: Any) -> None:
    if value not in [c.value for c in item.choices]:
        raise FormError(f"{item.title}: choose one of {', '.join(c.label for c in item.choices)}")


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    try:
        datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text or " " in text


_PARSERS: dict[str, Any] = {
    "string": lambda item, text: text, "number": _parse_number, "integer": _parse_integer,
    "boolean": _parse_boolean, "choice": _parse_choice,
}
_CHECKERS: dict[str, Any] = {
    "string": _check_string, "number": _check_number, "integer": _check_number, "boolean": _check_boolean, "choice": _check_choice,
}
_FORMAT_CHECKS: dict[str, Any] = {
    "email": lambda text: bool(_EMAIL.match(text)), "uri": lambda text: bool(_URI.match(text)),
    "date": _is_date, "date-time": _is_datetime,
}

