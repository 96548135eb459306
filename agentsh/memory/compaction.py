"""Context compaction: keep a conversation of any length inside the model's context window.

When a request would pass the budget (75% of the window by default), the oldest messages
of the turn's history are summarised (a rolling summary, chunk by chunk, so the summary
call itself always fits) and replaced, in what the model sees, by that summary in the
system prompt. The stored rows stay; a `compactions` row says how many messages the
summary stands for. The cut never separates a tool call from its results.

The window is often unknown (a local server: litellm has no entry for its model, and the
server's own context size is its command line's). A request the provider refused as too long
says the window is smaller than that request: from then on the session's budget is that
size times `budget_ratio`, if that is less than the configured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..agent.turn import SUMMARY_BLOCK
from ..config import ContextSettings
from ..events import Compaction
from ..messages import Message, system, user
from ..models.base import CHARS_PER_TOKEN, ModelRequest, estimate_tokens
from ..store.sessions import SessionStore
from .consolidate import render_transcript

if TYPE_CHECKING:
    from ..agent.turn import Turn


SUMMARY_PROMPT = """You compress a conversation so that it can continue with less context. Write a summary of the
earlier conversation for your own later use: the user's goals and requests, decisions, facts and numbers, names
of files, commands and tools with the results that matter, and what is still open. Be concise (at most 300 words);
write plain prose or short bullets; do not add anything that was not said."""


MIN_BUDGET = 256  # tokens: a budget smaller than the smallest one a user may configure is no budget


def budget_for(settings: ContextSettings, window: int | None) -> int:
    if settings.budget_tokens:
        return settings.budget_tokens
    return int((settings.window or window or settings.default_window) * settings.budget_ratio)


def choose_cut(history: list[Message], keep_tokens: int, limit_tokens: int) -> int:
    """Index of the first message kept verbatim; history[1:cut] is summarised (history[0] is the system prompt).

    Turns stay whole when they can: the cut goes to the first user message among the newest
    messages that fit in `keep_tokens`, else back to the latest user message if what follows
    it fits in `limit_tokens`. Otherwise (one long turn) it cuts inside the turn, moving back
    over tool results to their call so that a call is never separated from its results.
    """
    fit = len(history) - 1
    used = estimate_tokens(history[fit:])
    while fit > 1 and used + estimate_tokens([history[fit - 1]]) <= keep_tokens:
        fit -= 1
        used += estimate_tokens([history[fit]])
    users = [i for i in range(1, len(history)) if history[i].role == "user"]
    later = [i for i in users if i >= fit]
    if later:
        return later[0]
    earlier = [i for i in users if i < fit]
    if earlier and estimate_tokens(history[earlier[-1]:]) <= limit_tokens:
        return earlier[-1]
    while fit > 1 and history[fit].role == "tool":
        fit -= 1
    return fit


@dataclass
class Compactor:
    """Compacts one session's turn history; `covers` counts the stored messages already summarised."""

    store: SessionStore
    session_id: str
    settings: ContextSettings
    window: int | None = None
    covers: int = 0
    summary: str | None = None
    refused: int | None = None  # estimated tokens of the smallest request the provider refused as too long

    @property
    def budget(self) -> int:
        configured = budget_for(self.settings, self.window)
        if self.refused is None:
            return configured
        return min(configured, max(MIN_BUDGET, int(self.refused * self.settings.budget_ratio)))

    def note_refusal(self, tokens: int) -> None:
        """The provider refused a request of about `tokens` as longer than its context window."""
        self.refused = tokens if self.refused is None else min(self.refused, tokens)

    def too_long(self, messages: list[Message], tools: list[dict] | None = None) -> bool:
        return estimate_tokens(messages, tools) > self.budget

    async def compact(self, turn: Turn, keep_tokens: int | None = None, reserved: int = 0) -> Compaction | None:
        """Summarise the oldest part of `turn.history` in place; None when there is nothing to summarise.

        `reserved` is what the request needs besides the conversation (tool schemas); `keep_tokens`
        how much of the newest conversation to keep verbatim (default: keep_ratio of what is left);
        1 keeps just the latest exchange, when it fits in half of what is left.
        """
        history = turn.history
        room = max(1, self.budget - reserved - estimate_tokens(history[:1]))
        keep = keep_tokens or int(room * self.settings.keep_ratio)
        cut = choose_cut(history, keep, max(keep, room // 2))
        if cut <= 1:
            return None
        before = estimate_tokens(history) + _tokens(self.summary)
        self.summary = await summarise(turn, self.summary, history[1:cut], self.budget)
        del history[1:cut]
        self.covers += cut - 1
        turn.background[SUMMARY_BLOCK] = summary_block(self.summary)
        after = estimate_tokens(history) + _tokens(self.summary)
        self.store.add_compaction(self.session_id, self.covers, self.summary, before, after)
        event = Compaction(messages=self.covers, tokens_before=before, tokens_after=after, summary=self.summary)
        turn.emit(event)
        return event


def summary_block(summary: str) -> str:
    return f"<conversation-summary>\nThe earlier part of this conversation, summarised:\n{inert(summary, keep_lines=True)}\n</conversation-summary>"


def inert(text: str, keep_lines: bool = False) -> str:
    """Text that cannot close the block it is put in, or open another: no `<` or `>` at all.

    Not a tag filter: `< /long-term-memory>`, `</ long-term-memory >` and tags yet to be
    invented all lose their brackets. A memory is also kept on one line, so it cannot pass
    for another list item.
    """
    text = text.replace("<", "‹").replace(">", "›")  # noqa: RUF001 - look-alike brackets on purpose: they cannot open or close a block
    return text if keep_lines else " ".join(text.splitlines())


async def summarise(turn: Turn, previous: str | None, messages: list[Message], budget: int) -> str:
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
