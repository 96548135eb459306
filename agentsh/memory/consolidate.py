"""Consolidation, the slow write path of memory: after an episode, keep what lasts.

The model reads the session's new turns (and its earlier summary) and answers, as
structured output, a short summary of the session and the durable facts it revealed.
Facts already known are skipped, so running it twice adds nothing. It runs in the
background (after every N turns, when a session goes idle, and at the next start for
sessions that ended unconsolidated) and never blocks the chat. A model that gives no valid answer
(after the re-asks, and down the structured-output ladder) learns nothing: the result says so
(`answered` is False) and the session stays unconsolidated: read again after its next turn, or when asked
(`agentsh memory consolidate`), not by every start's sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from ..agent.structured import ask_structured
from ..errors import UsageError
from ..messages import Message, system, user
from ..models.base import ModelClient
from ..store.formats import StoredFormats
from ..store.sessions import SessionStore
from .background import background_turn
from .store import MemoryStore
from .summaries import extractive_summary

TRANSCRIPT_CHARS = 24_000  # the newest part of the episode the model reads
MESSAGE_CHARS = 2_000

PROMPT = """You maintain an assistant's long-term memory. Read the conversation below and answer with JSON:
- "summary": 1-3 sentences on what the session was about and what was decided or done (include the previous
  summary's points that still matter);
- "facts": durable facts worth knowing in future sessions: the user's preferences, personal facts they shared,
  decisions, project details, standing instructions. Each fact is one self-contained sentence that makes sense
  without the conversation ("The user's favourite colour is teal", not "It is teal"). Leave out small talk,
  one-off requests, things only true for this conversation, and anything already in the known facts.
  An empty list is a good answer when nothing lasting was said."""


class ExtractedFact(BaseModel):
    text: str = Field(description="one self-contained statement")
    kind: Literal["fact", "preference", "instruction", "decision", "person", "project"] = "fact"
    tags: list[str] = Field(default_factory=list, description="a few lower-case keywords")
    importance: int = Field(3, ge=1, le=5, description="1 trivia .. 5 essential")


class Consolidation(BaseModel):
    summary: str = Field(description="1-3 sentences about the session")
    facts: list[ExtractedFact] = Field(default_factory=list)


@dataclass
class ConsolidationResult:
    session_id: str
    summary: str
    added: int = 0
    known: int = 0
    skipped: int = 0
    answered: bool = True  # False: the model gave no valid answer, nothing was learned


async def consolidate_session(
    sessions: SessionStore, memories: MemoryStore, model: ModelClient, session_id: str
) -> ConsolidationResult | None:
    """Summarise the session and store its new durable facts; None when nothing new happened since last time."""
    record = sessions.get(session_id)
    turns = sessions.finished_turns(session_id)
    if turns <= record.consolidated_turns:
        return None
    messages = sessions.messages(session_id)
    if model.name == "offline":  # it cannot read a conversation: summarise without it, learn nothing
        summary = extractive_summary(_first_user_text(messages))
        sessions.set_summary(session_id, summary, turns)
        return ConsolidationResult(session_id=session_id, summary=summary)
    answer = await _ask(sessions, model, session_id, record.summary, messages, memories)
    if answer is None:
        sessions.note_unanswered(session_id, turns)
        return ConsolidationResult(session_id=session_id, summary="", answered=False)
    result = ConsolidationResult(session_id=session_id, summary=answer.summary.strip() or extractive_summary(_first_user_text(messages)))
    for fact in answer.facts:
        try:
            _, created = memories.add(fact.text, fact.kind, fact.tags, fact.importance, source_session_id=session_id)
        except UsageError:  # one unusable fact (empty, too long) must not cost the others
            result.skipped += 1
            continue
        result.added += created
        result.known += not created
    sessions.set_summary(session_id, result.summary, turns)  # last: an interrupted run is simply run again
    return result


async def _ask(
    sessions: SessionStore, model: ModelClient, session_id: str, summary: str | None, messages: list[Message], memories: MemoryStore
) -> Consolidation | None:
    transcript = render_transcript(messages)
    known = memories.recall(transcript[-4000:], limit=20)
    parts = [f"Previous summary: {summary}" if summary else "", "Known facts:\n" + "\n".join(f"- {m.text}" for m in known) if known else ""]
    parts.append(f"Conversation:\n{transcript}")
    turn = background_turn(model, session_id, formats=StoredFormats(sessions.db))
    try:
        return await ask_structured(turn, Consolidation, [system(PROMPT), user("\n\n".join(p for p in parts if p))])
    finally:
        sessions.add_usage(session_id, turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.cost, model.name, turn.model_calls)


def render_transcript(messages: list[Message], limit: int = TRANSCRIPT_CHARS) -> str:
    """User and assistant text, tool traffic in brief; the newest `limit` characters."""
    lines: list[str] = []
    for message in messages:
        if message.role == "tool":
            lines.append(f"[tool {message.name} returned: {_clip(message.content, 200)}]")
        elif message.role in ("user", "assistant") and message.content:
            lines.append(f"{message.role}: {_clip(message.content, MESSAGE_CHARS)}")
        for call in message.tool_calls:
            lines.append(f"[assistant called {call.name} {_clip(call.arguments, 200)}]")
    text = "\n".join(lines)
    return text if len(text) <= limit else "…" + text[-limit:]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_user_text(messages: list[Message]) -> str:
    return next((m.content for m in messages if m.role == "user"), "")
