"""A worker for case 35: `agentsh ARGS...` on a disk that fills up once a turn has started.

    python disk_full_worker.py ARGS...

SQLite's `max_page_count` caps the database a few pages above its size when the turn's
running row is written, so every later write that needs a new page fails as on a full disk
(SQLITE_FULL, "database or disk is full"). The offline model echoes a message of any length, for a long
answer. Everything else is the real `agentsh` command.
"""

from __future__ import annotations

import sys

from agentsh.cli.main import main
from agentsh.models import offline
from agentsh.store.sessions import SessionStore

ROOM_PAGES = 2
_begin_turn = SessionStore.begin_turn


def begin_turn_then_fill_the_disk(self: SessionStore, *args, **kwargs) -> int:
    turn = _begin_turn(self, *args, **kwargs)
    pages = self.db.execute("PRAGMA page_count").fetchone()[0]
    self.db.execute(f"PRAGMA max_page_count = {pages + ROOM_PAGES}")
    return turn


if __name__ == "__main__":
    SessionStore.begin_turn = begin_turn_then_fill_the_disk  # type: ignore[method-assign]
    offline.ECHO_LIMIT = sys.maxsize  # the offline model echoes the 500 KB message whole: the long answer this case needs
    sys.exit(main(sys.argv[1:]))
