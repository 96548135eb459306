"""Slash commands in the TUI: completion candidates (commands, modes, sessions, models)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands import command_summaries, completions, known_models, mention_completions, mention_word

if TYPE_CHECKING:
    from ..session import Session


def candidates(session: Session | None, text: str) -> list[str]:
    """Whole-input completions for `text`: a /command and its arguments, or an @path at its end."""
    if mention_word(text) is not None:
        return mention_completions(session, text) if session is not None else []
    if " " not in text:
        return [f"/{name} " for name in command_summaries(session) if f"/{name}".startswith(text)]
    name, _, partial = text[1:].partition(" ")
    if name == "model":
        options = [model for model in known_models(session) if model.startswith(partial)]
    elif session is None:
        return []
    else:
        options = completions(session, text)
    return [f"/{name} {option}" for option in options]
