"""The set of tools a session offers the model, by name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .tool import Tool


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for item in tools:
            self.add(item)

    def add(self, item: Tool) -> str | None:
        """Add a tool; a later tool with the same name wins. Returns a warning when it replaces one."""
        previous = self._tools.get(item.name)
        self._tools[item.name] = item
        if previous is None or previous.source == item.source:
            return None
        return f"tool {item.name!r} from {item.source or 'code'} replaces the one from {previous.source or 'code'}"

    def remove(self, name: str) -> None:
        self._tools.pop(name, None)

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return sorted(self._tools)

    def added_order(self) -> list[str]:
        """The names in the order the tools were first added (a replacement keeps its place)."""
        return list(self._tools)

    def schemas(self, allowed: Iterable[str] | None = None) -> list[dict[str, Any]]:
        permitted = None if allowed is None else set(allowed)
        names = self.names() if permitted is None else [n for n in self.names() if n in permitted]
        return [self._tools[n].schema() for n in names]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self):
        return iter(self._tools[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._tools)
