"""Split a tool's docstring into its description and per-argument descriptions.

Understands Google style (`Args:`), Sphinx style (`:param name:`) and NumPy style
(`Parameters` underlined with dashes).
"""

from __future__ import annotations

import inspect
import re

_SECTION_HEADERS = {"args:", "arguments:", "parameters:", "params:"}
_OTHER_SECTIONS = re.compile(r"^(returns?|raises|yields|examples?|notes?|see also)\s*:?\s*$", re.I)
_GOOGLE_ARG = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_ARG = re.compile(r"^:param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)$")
_NUMPY_ARG = re.compile(r"^(\w+)\s*(:.*)?$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Return (description, {argument name: description})."""
    lines = inspect.cleandoc(doc or "").splitlines()
    description: list[str] = []
    args: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip().lower() in _SECTION_HEADERS:
            index = _read_google_args(lines, index + 1, args)
        elif _is_numpy_header(lines, index):
            index = _read_numpy_args(lines, index + 2, args)
        elif _SPHINX_ARG.match(line.strip()):
            index = _read_sphinx_arg(lines, index, args)
        elif _is_numpy_section(lines, index):
            index = _skip_numpy_section(lines, index + 2)
        elif line.strip().startswith(":") or _OTHER_SECTIONS.match(line.strip()):
            index = _skip_section(lines, index + 1)
        else:
            description.append(line)
            index += 1
    return "\n".join(description).strip(), args


def _is_numpy_header(lines: list[str], index: int) -> bool:
    return (
        lines[index].strip().lower() == "parameters"
        and index + 1 < len(lines)
        and set(lines[index + 1].strip()) == {"-"}
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _read_google_args(lines: list[str], index: int, args: dict[str, str]) -> int:
    current = None
    base_indent = None
    while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > 0):
        line = lines[index]
        if line.strip():
            base_indent = _indent(line) if base_indent is None else base_indent
            match = _GOOGLE_ARG.match(line.strip())
            if match and _indent(line) == base_indent:
                current = match.group(1).lstrip("*")
                args[current] = match.group(3).strip()
            elif current:
                args[current] = f"{args[current]} {line.strip()}".strip()
        index += 1
    return index


def _read_numpy_args(lines: list[str], index: int, args: dict[str, str]) -> int:
    current = None
    while index < len(lines) and not _is_next_numpy_section(lines, index):
        line = lines[index]
        match = _NUMPY_ARG.match(line)
        if line.strip() and _indent(line) == 0 and match:
            current = match.group(1)
            args[current] = ""
        elif line.strip() and current:
            args[current] = f"{args[current]} {line.strip()}".strip()
        index += 1
    return index


def _is_next_numpy_section(lines: list[str], index: int) -> bool:
    return index + 1 < len(lines) and lines[index].strip() != "" and set(lines[index + 1].strip()) == {"-"}


def _is_numpy_section(lines: list[str], index: int) -> bool:
    """A `Returns` / `Raises` / ... header underlined with dashes."""
    return _OTHER_SECTIONS.match(lines[index].strip()) is not None and _is_next_numpy_section(lines, index)


def _skip_numpy_section(lines: list[str], index: int) -> int:
    while index < len(lines) and not _is_next_numpy_section(lines, index):
        index += 1
    return index


def _read_sphinx_arg(lines: list[str], index: int, args: dict[str, str]) -> int:
    match = _SPHINX_ARG.match(lines[index].strip())
    assert match is not None  # the caller matched this line
    name, text = match.group(1), match.group(2).strip()
    index += 1
    while index < len(lines) and lines[index].strip() and not lines[index].strip().startswith(":"):
        text = f"{text} {lines[index].strip()}"
        index += 1
    args[name] = text
    return index


def _skip_section(lines: list[str], index: int) -> int:
    while index < len(lines) and lines[index].strip() and (_indent(lines[index]) > 0 or lines[index].startswith(":")):
        index += 1
    return index
