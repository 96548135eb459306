"""Export a session as Markdown or JSON, and import a JSON export back; the files they go to and come from."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import AgentshError
from ..messages import HistoryError, Message, repaired_history
from ..secrets import redact_secrets
from .db import write_transaction
from .records import SessionRecord
from .sessions import SessionStore
from .steps import session_steps, stored_turns

EXPORT_FORMAT = "agentsh-session"
EXPORT_VERSION = 1


class SessionExport(BaseModel):
    format: str = EXPORT_FORMAT
    version: int = EXPORT_VERSION
    session: SessionRecord
    messages: list[Message]
    # each turn's stored events (steps, tool and model calls, notices), for `sessions trace` readers; not imported
    turns: list[dict[str, Any]] = []


def export_text(store: SessionStore, session_id: str, kind: str) -> str:
    """The session as `kind`: "json" (importable again) or "md"."""
    return export_json(store, session_id) if kind == "json" else export_markdown(store, session_id)


def write_new_file(path: Path, text: str) -> None:
    """Write `text` whole or not at all: an interrupted write leaves no half file at `path`."""
    temporary = path.with_name(path.name + ".partial")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise AgentshError(f"cannot write {path}: {error.strerror}") from None


def read_text_file(name: str) -> str:
    """The text of a file to import, or one clear error."""
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AgentshError(f"cannot read {name}: {getattr(error, 'strerror', None) or error}") from None


def export_json(store: SessionStore, session_id: str) -> str:
    record = store.get(session_id)
    document = SessionExport(session=record, messages=store.messages(record.id), turns=_turns_with_steps(store, record.id))
    return redact_secrets(document.model_dump_json(indent=2))


def _turns_with_steps(store: SessionStore, session_id: str) -> list[dict[str, Any]]:
    events = session_steps(store, session_id)
    return [
        {"turn": turn.number, "mode": turn.mode, "model": turn.model, "status": turn.status, **turn.totals,
         "events": [{"type": kind, **data} for kind, data in events.get(turn.turn_id, [])]}
        for turn in stored_turns(store, session_id)
    ]


def import_json(store: SessionStore, text: str, modes: Collection[str]) -> tuple[SessionRecord, bool]:
    """Create the session from an export; returns (record, kept_original_id).

    The history is repaired into one a strict provider accepts (unique tool-call ids, one result
    per call); an export that cannot be (a result answering no call, a bad date, a mode not in
    `modes`) is refused whole.
    """
    document = _parse_export(text)
    original = document.session
    messages = _importable(document, modes)
    with write_transaction(store.db):
        taken = store.exists(original.id)
        record = store.create(mode=original.mode, model=original.model, title=original.title, origin=original.origin, session_id=None if taken else original.id)
        store.add_messages(record.id, messages)
        store.restore_totals(record.id, original)
    return store.get(record.id), not taken


def _parse_export(text: str) -> SessionExport:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as error:
        raise AgentshError(f"not a JSON session export: {error}") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise AgentshError("not an agentsh session export (expected \"format\": \"agentsh-session\")")
    if data.get("version", 0) > EXPORT_VERSION:
        raise AgentshError(f"this export is version {data['version']}; this agentsh reads up to {EXPORT_VERSION}: upgrade agentsh")
    try:
        return SessionExport.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise AgentshError(f"invalid session export at {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def _importable(document: SessionExport, modes: Collection[str]) -> list[Message]:
    session = document.session
    if session.mode not in modes:
        raise AgentshError(f"cannot import this session: unknown mode {session.mode!r} (known: {', '.join(modes)})")
    for name in ("created_at", "updated_at"):
        try:
            datetime.fromisoformat(getattr(session, name))
        except ValueError:
            raise AgentshError(f"cannot import this session: session.{name} is not a date and time: {getattr(session, name)!r}") from None
    try:
        return repaired_history(document.messages)
    except HistoryError as error:
        raise AgentshError(f"cannot import this session: {error}") from None


def export_markdown(store: SessionStore, session_id: str) -> str:
    record = store.get(session_id)
    lines = [f"# {record.title or 'Untitled session'}", "", f"_session {record.id} · mode {record.mode} · model {record.model} · {record.created_at}_", ""]
    for message in store.messages(record.id):
        lines += _markdown_message(message)
    return redact_secrets("\n".join(lines).rstrip() + "\n")


def _markdown_message(message: Message) -> list[str]:
    if message.role == "system":
        return []
    if message.role == "tool":
        return [f"**Tool result** `{message.name}`:", "", "```", message.content, "```", ""]
    heading = "## You" if message.role == "user" else "## Assistant"
    flags = " _(interrupted)_" if message.interrupted else " _(step-limited)_" if message.step_limited else " _(cut at the token cap)_" if message.cut else ""
    flags = " _(budget-limited)_" if message.budget_limited else flags
    lines = [heading + flags, ""]
    if message.content:
        lines += [message.content, ""]
    for call in message.tool_calls:
        lines += [f"**Tool call** `{call.name}`", "", "```json", call.arguments, "```", ""]
    return lines
