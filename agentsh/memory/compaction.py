"""Context compaction: keep a conversation of any length inside the model's context window.

When a request would pass the budget (75% of the window by default), the oldest messages
of the turn's history are summarised (a rolling summary, chunk by chunk, so the summary
call itself always fits) and replaced, in what the model sees, by that summary in the
system prompt. The stored rows stay; a `compactions` row says how many messages the
summary stands for. The cut never separates a tool call from its results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import ContextSettings
from ..events import Compaction
from ..messages import Message, system, user
from ..models.base import ModelRequest
from ..store.sessions import SessionStore
from .consolidate import render_transcript

if TYPE_CHECKING:
    from ..agent.turn import Turn

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # tokens of role and framing per message
SUMMARY_KEY = "summary"

SUMMARY_PROMPT = """You compress a conversation so that it can continue with less context. Write a summary of the
earlier conversation for your own later use: the user's goals and requests, decisions, facts and numbers, names
of files, commands and tools with the results that matter, and what is still open. Be concise (at most 300 words);
write plain prose or short bullets; do not add anything that was not said."""


def estimate_tokens(messages: list[Message], tools: list[dict] | None = None) -> int:
    """A cheap, slightly generous count: about four characters per token."""
    chars = sum(len(m.content) + sum(len(c.arguments) + len(c.name) for c in m.tool_calls) for m in messages)
    schema_chars = len(json.dumps(tools)) if tools else 0
    return (chars + schema_chars) // CHARS_PER_TOKEN + MESSAGE_OVERHEAD * len(messages)


def budget_for(settings: ContextSettings, window: int | None) -> int:
    if settings.budget_tokens:
        return settings.budget_tokens
    return int((settings.window or window or settings.default_window) * settings.budget_ratio)


def choose_cut(history: list[Message], keep_tokens: int) -> int:
    """Index of the first message kept verbatim; history[1:cut] is summarised (history[0] is the system prompt).

    The newest messages that fit in `keep_tokens` are kept (at least the last one); the cut
    moves back over tool results to their call, then forward to a user message when one follows.
    """
    cut, used = len(history) - 1, estimate_tokens(history[-1:])
    while cut > 1 and used + estimate_tokens([history[cut - 1]]) <= keep_tokens:
        cut -= 1
        used += estimate_tokens([history[cut]])
    while cut > 1 and history[cut].role == "tool":
        cut -= 1
    following_user = next((i for i in range(cut, len(history)) if history[i].role == "user"), None)
    return following_user if following_user is not None else cut


@dataclass
class Compactor:
    """Compacts one session's turn history; `covers` counts the stored messages already summarised."""

    store: SessionStore
    session_id: str
    settings: ContextSettings
    window: int | None = None
    covers: int = 0
    summary: str | None = None

    @property
    def budget(self) -> int:
        return budget_for(self.settings, self.window)

    def too_long(self, messages: list[Message], tools: list[dict] | None = None) -> bool:
        return estimate_tokens(messages, tools) > self.budget

    async def compact(self, turn: "Turn", keep_tokens: int | None = None) -> Compaction | None:
        """Summarise the oldest part of `turn.history` in place; None when there is nothing to summarise."""
        history = turn.history
        cut = choose_cut(history, keep_tokens or int(self.budget * self.settings.keep_ratio))
        if cut <= 1:
            return None
        before = estimate_tokens(history) + _tokens(self.summary)
        self.summary = await summarise(turn, self.summary, history[1:cut], self.budget)
        del history[1:cut]
        self.covers += cut - 1
        turn.background[SUMMARY_KEY] = summary_block(self.summary)
        after = estimate_tokens(history) + _tokens(self.summary)
        self.store.add_compaction(self.session_id, self.covers, self.summary, before, after)
        event = Compaction(messages=self.covers, tokens_before=before, tokens_after=after, summary=self.summary)
        turn.emit(event)
        return event


def summary_block(summary: str) -> str:
    return f"<conversation-summary>\nThe earlier part of this conversation, summarised:\n{summary}\n</conversation-summary>"


async def summarise(turn: "Turn", previous: str | None, messages: list[Message], budget: int) -> str:
    """A rolling summary: each chunk of the transcript is folded into the summary so far."""
    if turn.model.name == "offline":  # it cannot summarise: keep what the user asked, briefly
        return _extractive(previous, messages)
    summary = previous or ""
    for chunk in _chunks(render_transcript(messages, limit=10**9), max(1000, budget * CHARS_PER_TOKEN // 2)):
        prompt = f"Summary so far:\n{summary or '(none)'}\n\nNext part of the conversation:\n{chunk}"
        request = ModelRequest(messages=[system(SUMMARY_PROMPT), user(prompt)])
        response = await turn.call_model(request, agent="compaction", stream_text=False, fit=False)
        summary = response.message.content.strip() or summary
    return summary


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _extractive(previous: str | None, messages: list[Message], limit: int = 4000) -> str:
    asked = [f"- the user said: {' '.join(m.content.split())[:160]}" for m in messages if m.role == "user" and m.content]
    text = "\n".join(([previous] if previous else []) + asked)
    return text if len(text) <= limit else "…" + text[-limit:]


def _tokens(text: str | None) -> int:
    return len(text or "") // CHARS_PER_TOKEN
