"""Draw a tool's arguments from the user's words, for the offline model."""

from __future__ import annotations

import re
from typing import Any

_NUMBER = r"-?\d+(?:\.\d+)?"
_WORD_OPERATIONS = [
    (re.compile(rf"\b(?:add|sum of|plus)\s+({_NUMBER})\s+(?:and|to|plus|with)\s+({_NUMBER})", re.I), "{0} + {1}"),
    (re.compile(rf"\bsubtract\s+({_NUMBER})\s+from\s+({_NUMBER})", re.I), "{1} - {0}"),
    (re.compile(rf"\b({_NUMBER})\s+minus\s+({_NUMBER})", re.I), "{0} - {1}"),
    (re.compile(rf"\bmultiply\s+({_NUMBER})\s+(?:by|and|with)\s+({_NUMBER})", re.I), "{0} * {1}"),
    (re.compile(rf"\b({_NUMBER})\s+times\s+({_NUMBER})", re.I), "{0} * {1}"),
    (re.compile(rf"\bdivide\s+({_NUMBER})\s+by\s+({_NUMBER})", re.I), "{0} / {1}"),
    (re.compile(rf"\b({_NUMBER})\s+(?:divided by|over)\s+({_NUMBER})", re.I), "{0} / {1}"),
]
_EXPRESSION = re.compile(r"[-+(]*\s*\d[\d\s.+\-*/%^()]*[\d)]")
_QUOTED = re.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`")
_EXPRESSION_NAMES = {"expression", "expr", "formula", "equation", "calculation"}


def draw_arguments(schema: dict[str, Any], message: str, tool_name: str) -> dict[str, Any]:
    """Fill every required parameter (and optional ones the message clearly gives)."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    numbers = (m.group(0) for m in re.finditer(_NUMBER, message))  # lazily: a 10 MB prompt holds millions
    arguments: dict[str, Any] = {}
    for name, spec in properties.items():
        value = _value_for(name, spec, message, tool_name, numbers)
        if value is not None and (name in required or _explicit(name, message)):
            arguments[name] = value
    return arguments


def _explicit(name: str, message: str) -> bool:
    return has_word(message.lower(), name.lower())


def has_word(text: str, word: str) -> bool:
    """Whether `word` is in `text` as a whole word (as regex \\b counts one). str.find, not a case-insensitive
    regex: that takes a fraction of a second per word over a 10 MB prompt."""
    at = text.find(word)
    while at >= 0:
        if not _word_at(text, at - 1) and not _word_at(text, at + len(word)):
            return True
        at = text.find(word, at + 1)
    return False


def _word_at(text: str, index: int) -> bool:
    """A word character (as regex \\w counts it) at `index`; False outside the text."""
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def _value_for(name: str, spec: dict[str, Any], message: str, tool_name: str, numbers) -> Any:
    kind = spec.get("type", "string")
    if "enum" in spec:
        lowered = message.lower()
        return next((v for v in spec["enum"] if str(v).lower() in lowered), spec["enum"][0])
    if kind in ("integer", "number"):
        raw = next(numbers, None)
        return None if raw is None else (int(float(raw)) if kind == "integer" else float(raw))
    if kind == "boolean":
        return False
    if kind == "string":
        return _string_for(name, message, tool_name)
    return None


def _string_for(name: str, message: str, tool_name: str) -> str:
    if name.lower() in _EXPRESSION_NAMES or tool_name.lower() in {"calculator", "calc", "math"}:
        expression = arithmetic_in(message)
        if expression:
            return expression
    quoted = _QUOTED.search(message)
    if quoted:
        return next(group for group in quoted.groups() if group)
    return _text_after_tool_name(message, tool_name)


def arithmetic_in(message: str) -> str | None:
    for pattern, template in _WORD_OPERATIONS:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    candidates = [m.group(0).strip() for m in _EXPRESSION.finditer(message)]
    with_operator = [c for c in candidates if re.search(r"\d\s*[-+*/%^]\s*[\d(]", c)]
    return max(with_operator, key=len) if with_operator else None


def _text_after_tool_name(message: str, tool_name: str) -> str:
    spoken = tool_name.replace("_", " ")
    match = re.search(rf"(?:{re.escape(tool_name)}|{re.escape(spoken)})\W+(?:(?:to|for|on|about|with|in|of)\s+)?(.+)", message, re.I)
    text = match.group(1) if match else message
    return text.strip().rstrip("?.!").strip() or message.strip()
