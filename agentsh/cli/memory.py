"""`agentsh memory ...`: list, add, search, forget, pin, unpin, export, import, consolidate."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ..config import Settings, settings_from_args
from ..memory.consolidate import consolidate_session
from ..memory.store import MemoryRecord, MemoryStore, load_export, memory_line
from ..models import resolve_model
from ..session import open_store
from ..store.sessions import SessionStore
from ..store.transfer import read_text_file
from .support import WaitingNotice, out, print_json, write_export


def memory_command(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    sessions = open_store(settings, on_wait=WaitingNotice())
    handler = _HANDLERS[args.memory_command]
    return handler(MemoryStore(sessions.db), args, sessions, settings) or 0


def _show(memories: list[MemoryRecord], as_json: bool, empty: str) -> None:
    if as_json:
        print_json([m.model_dump() for m in memories])
        return
    if not memories:
        print(empty)
    for memory in memories:
        out(memory_line(memory))


def _list(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    _show(store.list(args.limit, pinned_only=args.pinned), args.json, "no memories yet: add one with `agentsh memory add TEXT`")


def _search(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    _show(store.search(" ".join(args.query), args.limit), args.json, "no matching memories")


def _add(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    record, created = store.add(" ".join(args.text), args.kind, args.tag, args.importance, args.pin)
    print(f"remembered as memory {record.id}" if created else f"already known as memory {record.id}: {record.text}")


def _forget(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    for record in store.forget(*args.id):
        print(f"forgot memory {record.id}: {record.text}")


def _pin(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    record = store.set_pinned(args.id, True)
    print(f"pinned memory {record.id}: it is recalled before every answer")


def _unpin(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    record = store.set_pinned(args.id, False)
    print(f"unpinned memory {record.id}")


def _export(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    text = json.dumps({"memories": store.export()}, indent=2, ensure_ascii=False) + "\n"
    write_export(text, args.output, f"exported {store.count()} memories to {args.output}")


def _import(store: MemoryStore, args: argparse.Namespace, *_) -> None:
    text = sys.stdin.read() if args.file == "-" else read_text_file(args.file)
    added, known = store.import_(load_export(text))
    print(f"imported {added} memories ({known} already known)")


def _consolidate(store: MemoryStore, args: argparse.Namespace, sessions: SessionStore, settings: Settings) -> None:
    records = [sessions.get(args.session)] if args.session else sessions.unconsolidated(limit=args.limit)
    for record in records:
        model = resolve_model(settings.memory.model or settings.model or record.model, settings)
        result = asyncio.run(consolidate_session(sessions, store, model, record.id))
        if result is None:
            print(f"{record.id}: nothing new since the last consolidation")
        elif not result.answered:
            print(f"{record.id}: the model gave no valid answer; nothing learned (it is read again next time)")
        else:
            print(f"{record.id}: {result.added} new facts, {result.known} already known — {result.summary}")


_HANDLERS = {
    "list": _list, "search": _search, "add": _add, "forget": _forget, "pin": _pin, "unpin": _unpin,
    "export": _export, "import": _import, "consolidate": _consolidate,
}
