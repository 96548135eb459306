"""`agentsh sessions ...`: list, show, search, export, import, fork, rename, delete."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import settings_from_args
from ..costs import dollars
from ..errors import UsageError
from ..memory.summaries import search_summaries
from ..messages import Message
from ..modes import mode_names
from ..session import open_store
from ..store.records import SessionRecord, short_folder, workspace_of
from ..store.search import SearchHit, search_messages
from ..store.sessions import SessionStore
from ..store.transfer import export_text, import_json, read_text_file
from ..trace import turn_trace
from .replay import replay_command
from .support import WaitingNotice, out, print_json, write_export
from .trace import trace_lines


def sessions_command(args: argparse.Namespace) -> int:
    store = open_store(settings_from_args(args), on_wait=WaitingNotice())
    handler = _HANDLERS[args.sessions_command]
    return handler(store, args) or 0


def _list(store: SessionStore, args: argparse.Namespace) -> None:
    folder = workspace_of(Path(args.dir).expanduser()) if args.dir else None
    wanted = "interactive" if args.origin == "chat" else args.origin  # the listing marks them "chat"
    records = store.list(args.limit, folder, origin=wanted, interactive_first=True)
    counts = _message_counts(store, [r.id for r in records])
    if args.json:
        print_json([{**r.model_dump(), "messages": counts.get(r.id, 0)} for r in records])
        return
    if not records:
        print(f"no sessions started in {args.dir} yet" if args.dir else "no sessions yet: start one with `agentsh run PROMPT`")
    for record in records:
        when = record.updated_at[:16].replace("T", " ")
        count = counts.get(record.id, 0)
        origin = "run" if record.origin == "run" else "chat"
        out(f"{record.id}  {when}  {origin:<4}  {record.mode:<10} {count:>5} msgs  {record.model:<24} {record.title or '(untitled)'}")
        out(f"              in {short_folder(record.workspace)}")
        if record.summary:
            out(f"              {' '.join(record.summary.split())}")


def _message_counts(store: SessionStore, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = store.db.query(f"SELECT session_id, count(*) AS n FROM messages WHERE session_id IN ({marks}) GROUP BY session_id", ids)
    return {r["session_id"]: r["n"] for r in rows}


def _show(store: SessionStore, args: argparse.Namespace) -> None:
    record = store.get(args.id)
    messages = store.messages(record.id)
    if args.json:
        print_json({"session": record.model_dump(), "messages": [m.model_dump() for m in messages]})
        return
    out(_header(record))
    for index, message in enumerate(messages):
        out(_transcript_line(index, message))


def _header(record: SessionRecord) -> str:
    cost = "unknown" if record.cost is None else dollars(record.cost)
    tokens = record.prompt_tokens + record.completion_tokens
    cached = f" ({record.cached_tokens} input tokens from the provider's cache)" if record.cached_tokens else ""
    return (
        f"{record.title or '(untitled)'}\n{record.id} · mode {record.mode} · model {record.model} · {tokens} tokens{cached} · cost {cost}\n"
        f"started in {short_folder(record.workspace)}\n"
    )


def _transcript_line(index: int, message: Message) -> str:
    flag = " (interrupted)" if message.interrupted else " (step-limited)" if message.step_limited else " (cut at the token cap)" if message.cut else ""
    flag = " (budget-limited)" if message.budget_limited else flag
    if message.role == "tool":
        return f"[{index}] tool {message.name} →\n{_indent(message.content)}\n"
    calls = "".join(f"\n  → {c.name}({c.arguments})" for c in message.tool_calls)
    return f"[{index}] {message.role}{flag}:\n{_indent(message.content)}{calls}\n"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines()) if text else "  (no text)"


def _search(store: SessionStore, args: argparse.Namespace) -> None:
    query = " ".join(args.query)
    hits = [_summary_hit(r) for r in search_summaries(store.db, query, args.limit)] + search_messages(store.db, query, args.limit)
    if args.json:
        print_json([h.model_dump() for h in hits])
        return
    if not hits:
        print("no matches")
    for hit in hits:
        snippet = " ".join(hit.snippet.split())
        where = "summary" if hit.seq is None else f"#{hit.seq:<4} {hit.role:<9}"
        out(f"{hit.session_id}  {where} {snippet}   ({hit.title or 'untitled'})")


def _summary_hit(record: SessionRecord) -> SearchHit:
    return SearchHit(session_id=record.id, title=record.title, seq=None, role="summary", snippet=record.summary or "", rank=0.0)


def _export(store: SessionStore, args: argparse.Namespace) -> None:
    write_export(export_text(store, args.id, args.format), args.output, f"exported to {args.output}")


def _import(store: SessionStore, args: argparse.Namespace) -> None:
    record, kept = import_json(store, read_text_file(args.file), mode_names())
    note = "" if kept else " (a new id: the original id is already in use)"
    print(f"imported session {record.id}{note}: {record.title or 'untitled'}")


def _fork(store: SessionStore, args: argparse.Namespace) -> None:
    record = store.fork(args.id, args.at)
    print(f"forked into {record.id} with {record.fork_point} messages: continue with `agentsh run -s {record.id} ...`")


def _trace(store: SessionStore, args: argparse.Namespace) -> None:
    record = store.get(args.id)
    trace = turn_trace(store, record.id, args.turn)
    if args.json:
        print_json(trace.as_dict())
        return
    out("\n".join(trace_lines(trace)))


def _rename(store: SessionStore, args: argparse.Namespace) -> None:
    record = store.get(args.id)
    title = " ".join(args.title).strip()
    if not title:
        raise UsageError("the new title is empty")
    store.update(record.id, title=title)
    print(f"renamed {record.id}: {title}")


def _delete(store: SessionStore, args: argparse.Namespace) -> int:
    record = store.get(args.id)
    if not args.yes and not _confirm(f"delete session {record.id} ({record.title or 'untitled'}) and all its messages? [y/N] "):
        print("not deleted", file=sys.stderr)
        return 1
    store.delete(record.id)
    print(f"deleted {record.id}")
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("refusing to delete without confirmation: add --yes")
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


_HANDLERS = {
    "list": _list, "show": _show, "search": _search, "export": _export, "import": _import,
    "fork": _fork, "rename": _rename, "trace": _trace, "replay": replay_command, "delete": _delete,
}
