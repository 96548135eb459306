"""A worker for case 11: open the database, and stop inside its newest migration until killed.

    python migration_worker.py DATABASE READY_FILE

The test hook: the newest migration runs, then (before it is recorded and committed) the
worker writes READY_FILE and sleeps, so the supervisor's SIGKILL lands mid-migration.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlite_utils import Database

from agentsh.store.db import open_database
from agentsh.store.migrations import migrations


def stall_inside_the_newest_migration(ready: Path) -> None:
    newest = migrations.pending(Database(memory=True))[-1]  # every migration is pending on an empty database
    run = newest.fn

    def stalled(db) -> None:
        run(db)
        ready.write_text(newest.name)
        time.sleep(60)

    newest.fn = stalled


if __name__ == "__main__":
    database, ready = map(Path, sys.argv[1:3])
    stall_inside_the_newest_migration(ready)
    open_database(database)
    sys.exit("the migration was not interrupted")
