"""The command palette's entries: every slash command, plus one entry per mode and model."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..session import Session

TITLES = {
    "new": "New session", "fork": "Fork this session", "export": "Export this session (Markdown)",
    "memory": "Memory: what agentsh remembers", "tools": "Tools: what the model can call", "plugins": "Plugins",
    "compact": "Compact the conversation", "help": "Help: the slash commands", "quit": "Quit",
}
COVERED = {"mode", "model", "resume", "sessions"}  # each mode, each model and the sessions screen have entries
NEEDS_ARGUMENT = {"title"}


class Entry(NamedTuple):
    title: str
    help: str
    command: str | None  # the slash command it runs; None: open the sessions screen


def entries(session: Session | None) -> list[Entry]:
    from ..commands import COMMANDS, known_models
    from ..modes import mode_names

    current = session.mode if session else None
    found = [Entry(f"Mode: {name}", f"switch the orchestration mode to {name}", f"/mode {name}") for name in mode_names() if name != current]
    found += [Entry(f"Model: {name}", f"switch the model to {name}", f"/model {name}") for name in known_models(session)]
    found.append(Entry("Sessions: resume…", "list and search past sessions, open one", None))
    for name, (_, summary) in COMMANDS.items():
        if name not in COVERED | NEEDS_ARGUMENT:
            found.append(Entry(TITLES.get(name, f"/{name}"), summary, f"/{name}"))
    return found
