"""`agentsh stats --since 90d` over a generated store of 1,000 sessions and 100,000 turns (over 120 days).

Each session is 100 turns in a row (as people work: one session at a time) in one mode, on one of
three models, one of which litellm cannot price; debate turns also call a second model.

Measured in-process, as the command runs once Python is up: open the store, query, draw (a terminal
120 columns wide: the charts) or print (a pipe). The floor: the same sums with one plain SQL query
over the turns table in sqlite3. Also, for information, the whole command as a fresh process beside
`agentsh sessions list -n 1`, another command over the store (interpreter and imports included).
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from agentsh.cli.main import main as agentsh_main
from agentsh.config import Settings
from agentsh.session import open_store
from agentsh.store.usage import rebuild_rollup

from harness import Figure, median, time_calls, time_interleaved

SESSIONS, TURNS, DAYS = 1_000, 100_000, 120
TARGET_MS = 150


def generate(home: Path) -> None:
    """Sessions, turns and their model_usage rows written straight with SQL (through the real migrations)."""
    open_store(Settings(home=home, model="offline"))
    db = sqlite3.connect(home / "agentsh.db")
    start = (datetime.now(UTC) - timedelta(days=DAYS)).timestamp()
    step = DAYS * 86400 / TURNS
    db.executescript(f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {SESSIONS - 1})
        INSERT INTO sessions (id, title, mode, model, created_at, updated_at)
        SELECT printf('s%05d', i), 'generated', 'tools', 'openai/gpt-4o-mini', '2026-01-01', '2026-01-01' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {TURNS - 1})
        INSERT INTO turns (id, session_id, status, mode, model, started_at, prompt_tokens, completion_tokens, cost, model_calls)
        SELECT i + 1, printf('s%05d', i / {TURNS // SESSIONS}), 'done', (CASE (i / {TURNS // SESSIONS}) % 4 WHEN 0 THEN 'tools'
               WHEN 1 THEN 'chat' WHEN 2 THEN 'debate' ELSE 'workflow:review' END),
               (CASE (i / {TURNS // SESSIONS}) % 3 WHEN 0 THEN 'openai/gpt-4o-mini' WHEN 1 THEN 'anthropic/claude-haiku-4-5'
               ELSE 'ollama/qwen3' END),
               strftime('%Y-%m-%dT%H:%M:%f+00:00', {start} + i * {step}, 'unixepoch'), 1200, 300, 0.002, 2 FROM n;
        INSERT INTO model_usage (started_at, turn_id, model, session_id, mode, calls, prompt_tokens, completion_tokens,
                                 cached_tokens, cost, unpriced_calls)
        SELECT started_at, id, model, session_id, mode, 2, 1200, 300, 400, (CASE WHEN model LIKE 'ollama/%' THEN 0 ELSE 0.002 END),
               (CASE WHEN model LIKE 'ollama/%' THEN 2 ELSE 0 END) FROM turns;
        INSERT INTO model_usage (started_at, turn_id, model, session_id, mode, calls, prompt_tokens, completion_tokens,
                                 cached_tokens, cost, unpriced_calls)
        SELECT started_at, id, 'ollama/llama3.2', session_id, mode, 1, 800, 200, 0, 0, 1 FROM turns WHERE mode = 'debate';
        UPDATE model_usage SET first_of_turn = 0 WHERE model = 'ollama/llama3.2';
    """)
    rebuild_rollup(Database(db))
    db.commit()
    db.close()


def _in_process(home: Path, terminal: bool) -> None:
    argv = ["stats", "--since", "90d", "--home", str(home)]
    sink = io.StringIO()
    sink.isatty = lambda: terminal  # type: ignore[method-assign]
    with contextlib.redirect_stdout(sink):
        os.environ["COLUMNS"] = "120"
        agentsh_main(argv)


def _floor(home: Path) -> None:
    connection = sqlite3.connect(home / "agentsh.db")
    since = (datetime.now(UTC) - timedelta(days=89)).isoformat(timespec="milliseconds")
    connection.execute(
        "SELECT substr(started_at, 1, 10), count(*), sum(model_calls), sum(prompt_tokens), sum(completion_tokens), sum(cost) "
        "FROM turns WHERE started_at >= ? GROUP BY 1", [since],
    ).fetchall()
    connection.close()


def figures(quick: bool = False) -> list[Figure]:
    repeat = 5 if quick else 15
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        generate(home)
        found: list[Figure] = []
        for terminal in (False, True):
            ours, base = time_interleaved(lambda t=terminal: _in_process(home, t), lambda: _floor(home), repeat)
            measured = median(ours)
            what = "drawn on a 120-column terminal" if terminal else "printed to a pipe"
            found.append(Figure(f"`agentsh stats --since 90d`, 100,000 turns, {what} (in-process)", measured, median(base),
                                f"≤ {TARGET_MS} ms", met=measured <= TARGET_MS))
        command = [sys.executable, "-m", "agentsh", "stats", "--since", "90d", "--home", str(home)]
        processes = max(3, repeat // 3)  # for information: fewer runs of whole processes
        whole = median(time_calls(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL), processes))
        listing = [sys.executable, "-m", "agentsh", "sessions", "--home", str(home), "list", "-n", "1"]
        list_floor = median(time_calls(lambda: subprocess.run(listing, check=True, stdout=subprocess.DEVNULL), processes))
        found.append(Figure("`agentsh stats --since 90d` as a fresh process, piped (floor: `agentsh sessions list -n 1`)", whole, list_floor, "(information)"))
        return found


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from harness import table

    print(table(figures(quick="--quick" in sys.argv)))
