"""Slash commands written as Markdown files: `~/.config/agentsh/commands/review.md` is `/review`.

The body is a prompt template: `$ARGUMENTS` is everything typed after the name, `$1`, `$2`... its
words. Optional front matter, `key: value` lines between `---` lines, sets `description` (shown in
completion and /help), `mode`, `model` and `tools` (comma-separated names) for the turn it starts.

A trusted workspace's `.agentsh/commands/` adds its own (and wins over the user's of the same
name); an untrusted one's are listed in a notice and ignored. A name a built-in command has is
refused. Files are re-read when they change: the folders are scanned each time commands are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import config_dir, is_trusted

WORKSPACE_COMMANDS = Path(".agentsh") / "commands"
FILE_LIMIT = 100_000  # bytes of one command file
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
FRONT_KEYS = ("description", "mode", "model", "tools")
PLACEHOLDER = re.compile(r"\$(ARGUMENTS|\d+)")


@dataclass(frozen=True)
class TurnOptions:
    """What one turn does differently (None: the session's own): a custom command's mode, model and tools."""

    mode: str | None = None
    model: str | None = None
    tools: tuple[str, ...] | None = None
    mentions_within: int | None = None  # only the first N characters are the user's own words (the rest: piped data)
    prompt: tuple[str, str, tuple[tuple[str, str], ...]] | None = None  # an MCP prompt (server, name, arguments): the message
    schema: dict[str, Any] | None = None  # `agentsh run --schema`: the answer becomes a JSON instance of it


@dataclass(frozen=True)
class CustomCommand:
    name: str
    template: str
    source: Path
    description: str = ""
    mode: str | None = None
    model: str | None = None
    tools: tuple[str, ...] | None = None

    @property
    def options(self) -> TurnOptions:
        return TurnOptions(self.mode, self.model, self.tools)

    def summary(self) -> str:
        return self.description or f"custom command from {self.source}"

    def expand(self, arguments: str) -> str:
        """The template with `$ARGUMENTS` and `$1`... filled in (a missing word is empty)."""
        words = arguments.split()

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "ARGUMENTS":
                return arguments
            index = int(key) - 1
            return words[index] if 0 <= index < len(words) else ""

        text = PLACEHOLDER.sub(fill, self.template)
        if arguments and "$" not in self.template:  # a template that takes nothing still hears what was typed
            text = f"{text}\n\n{arguments}"
        return text


@dataclass
class CommandFiles:
    """The command folders, re-scanned on use; a file is re-parsed only when its stamp changes."""

    user_folder: Path = field(default_factory=lambda: config_dir() / "commands")
    workspace: Path = field(default_factory=Path.cwd)
    _parsed: dict[Path, tuple[tuple[int, int], CustomCommand | str]] = field(default_factory=dict)

    def folders(self) -> list[Path]:
        folder = self.workspace / WORKSPACE_COMMANDS
        return [self.user_folder, folder] if folder.is_dir() and is_trusted(self.workspace) else [self.user_folder]

    def untrusted_notice(self) -> str | None:
        folder = self.workspace / WORKSPACE_COMMANDS
        if not folder.is_dir() or is_trusted(self.workspace):
            return None
        return (f"this folder has its own slash commands ({WORKSPACE_COMMANDS}/), written by whoever wrote the folder: "
                "not loaded. Run `agentsh trust` here to use them.")

    def load(self, reserved: frozenset[str] = frozenset()) -> tuple[dict[str, CustomCommand], list[str]]:
        """The commands by name (a later folder wins), and one line per file refused (a name in `reserved` is)."""
        commands: dict[str, CustomCommand] = {}
        problems: list[str] = []
        for path in (p for folder in self.folders() for p in _markdown_files(folder)):
            parsed = self._parse(path)
            if isinstance(parsed, str):
                problems.append(f"{path}: {parsed}; not loaded")
            elif parsed.name in reserved:
                problems.append(f"{path}: /{parsed.name} is a built-in command; not loaded (rename the file)")
            else:
                commands[parsed.name] = parsed
        return commands, problems

    def _parse(self, path: Path) -> CustomCommand | str:
        try:
            info = path.stat()
        except OSError as error:
            return f"cannot be read ({error.strerror})"
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._parsed.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, parse_command(path))
            self._parsed[path] = cached
        return cached[1]


def _markdown_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".md" and p.is_file())
    except OSError:
        return []


def parse_command(path: Path) -> CustomCommand | str:
    """The command a file defines, or why it defines none."""
    name = path.stem
    if not NAME.match(name):
        return f"{name!r} is not a command name (letters, digits, - _ . only)"
    try:
        with open(path, "rb") as handle:
            data = handle.read(FILE_LIMIT + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot be read as UTF-8 text ({error})"
    if len(data) > FILE_LIMIT:
        return f"larger than {FILE_LIMIT // 1000} KB"
    front, body = split_front_matter(text.replace("\r\n", "\n"))
    tools = front.get("tools")
    return CustomCommand(
        name=name, template=body.strip(), source=path, description=front.get("description", ""),
        mode=front.get("mode") or None, model=front.get("model") or None,
        tools=tuple(t.strip() for t in tools.split(",") if t.strip()) if tools is not None else None,
    )


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """`key: value` lines between a first `---` line and the next, and the rest; unknown keys are ignored."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return {}, text
    front: dict[str, str] = {}
    for line in lines[1:end]:
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() in FRONT_KEYS:
            front[key.strip().lower()] = value.strip().strip("\"'")
    return front, "\n".join(lines[end + 1:])

