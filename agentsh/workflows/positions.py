"""Where each key of a TOML file is written: tomllib keeps no line numbers, so a light index does.

The index knows table headers (`[nodes.search]`) and `key = value` lines, outside multi-line
strings. A path it does not know (a key inside an inline table) is placed at its nearest known
parent, which is still the right table for the user to look at.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")
_PART = re.compile(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""")

Path = tuple[str, ...]


def _parts(dotted: str) -> Path:
    return tuple(part.strip("\"'") for part in _PART.findall(dotted))


class Positions:
    """Line numbers (1-based) of a TOML text's tables and keys."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._lines: dict[Path, int] = {}
        self._index()

    def _index(self) -> None:
        table: Path = ()
        open_quote: str | None = None
        for number, line in enumerate(self.lines, 1):
            if open_quote is not None:
                if line.count(open_quote) % 2 == 1:
                    open_quote = None
                continue
            header = _HEADER.match(line)
            if header:
                table = _parts(header.group(1))
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                self._lines.setdefault(table + _parts(key.group(1)), number)
                open_quote = _opens_multiline(line[key.end():])

    def line(self, path: Path) -> int:
        """The line of `path`, or of its nearest known parent; 1 when nothing is known."""
        for end in range(len(path), 0, -1):
            found = self._lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return 1

    def line_of_text(self, path: Path, text: str) -> int:
        """The first line at or after `path`'s own that contains `text` (a placeholder in a long prompt)."""
        start = self.line(path)
        for number in range(start, len(self.lines) + 1):
            if text in self.lines[number - 1]:
                return number
        return start


def _opens_multiline(value: str) -> str | None:
    """The quote of a multi-line string left open on this line, if one is."""
    for quote in ('"""', "'''"):
        if value.lstrip().startswith(quote) and value.count(quote) % 2 == 1:
            return quote
    return None
