"""Case 30: a regular expression that backtracks without end cannot freeze agentsh.

The model asks `search_files` for `(a+)+$` over a line of 4,000 `a`s and a `b`: Python's `re`
would run for longer than the universe, holding the GIL, so the event loop (the UI, Esc, Ctrl+C,
the tool timeout) would stop with it. Three turns of a real session, in a worker process
(regex_worker.py) so that a freeze is a timeout here rather than a hung suite:

- the search gives up on the line with a clear "too slow" error, well within the tool timeout;
- a search of many slow lines is ended by the tool timeout, on time, and its thread stops too;
- cancelling the turn (Esc, Ctrl+C) ends it at once, and the search's thread stops too;

and in all three the event loop never stalls for more than 200 ms.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_support import agentsh_env

WORKER = Path(__file__).with_name("regex_worker.py")
FROZEN_AFTER = 90  # seconds for the three turns; they take a few when nothing freezes
MAX_GAP = 0.2  # seconds between two ticks of the event loop
THREAD_STOPS_WITHIN = 3.0  # seconds of wall time: up to 0.5 s of CPU on a loaded machine


@pytest.fixture(scope="module")
def turns(tmp_path_factory) -> dict[str, dict]:
    base = tmp_path_factory.mktemp("regex")
    home, workspace = base / "home", base / "work"
    home.mkdir()
    workspace.mkdir()
    try:
        worker = subprocess.run(
            [sys.executable, str(WORKER), str(home), str(workspace)], check=False, env=agentsh_env(),
            capture_output=True, text=True, timeout=FROZEN_AFTER,
        )
    except subprocess.TimeoutExpired as frozen:
        pytest.fail(f"agentsh froze: no answer in {FROZEN_AFTER} s; it printed {frozen.stdout!r}")
    assert worker.returncode == 0, worker.stderr[-3000:]
    return {turn["turn"]: turn for turn in map(json.loads, worker.stdout.splitlines())}


def test_case30_a_regex_that_backtracks_without_end_is_a_clear_error_within_the_timeout(turns):
    turn = turns["too-slow"]
    assert "regular expression took over 0.5 s on one line (long-line.txt:1)" in turn["result"]
    assert "Simplify it, or search for plain text" in turn["result"]
    assert turn["seconds"] < 30 and not turn["interrupted"]
    assert turn["max_gap"] < MAX_GAP, f"the event loop stalled for {turn['max_gap']:.2f} s"


def test_case30_the_tool_timeout_ends_a_slow_search_on_time_and_stops_its_thread(turns):
    turn = turns["timeout"]
    assert turn["result"] == "Error: search_files timed out after 1 s."
    assert turn["seconds"] < 2.5, f"the 1 s timeout ended the turn after {turn['seconds']:.2f} s"
    assert turn["max_gap"] < MAX_GAP, f"the event loop stalled for {turn['max_gap']:.2f} s"
    assert turn["thread_lived_on"] < THREAD_STOPS_WITHIN, "the search went on after its call timed out"


def test_case30_cancelling_the_turn_ends_it_at_once_and_stops_the_search(turns):
    turn = turns["cancel"]
    assert turn["interrupted"]
    assert turn["after_cancel"] < 0.5, f"the turn ended {turn['after_cancel']:.2f} s after the cancel"
    assert turn["max_gap"] < MAX_GAP, f"the event loop stalled for {turn['max_gap']:.2f} s"
    assert turn["thread_lived_on"] < THREAD_STOPS_WITHIN, "the search went on after its turn was cancelled"
