"""Case 29: a folder swapped for a symlink while the files tools use it never leads them outside.

A path is checked, then used: between the two, another process (a shell command the model
started, say) can replace a folder on the path with a symlink to anywhere. A background thread
does exactly that to `sub/`, as fast as it can, while 2,000 writes (and then reads, listings
and searches) go through it. Every call either works inside the workspace or fails with a clear
error; nothing is written outside (no file, no temporary file), nothing outside is read.

Not covered, and not claimed: a folder *moved* (renamed) out of the workspace while a call holds
it open is written where it went; that takes moving the folder, not swapping a link.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import pytest

from agentsh.tools import context, nofollow

from helpers import load_bundled_plugin

files = load_bundled_plugin("files")
WRITES = 2_000
MIN_SWAPS = 50
READS = 500
SECRET = "SECRET-OUTSIDE-THE-WORKSPACE"
CLEAR_ERRORS = ("is outside the workspace", "cannot be resolved", "changed while it was being used", "became a symlink")


@pytest.fixture
def tree(tmp_path):
    """work/ is the workspace with a real folder sub/; outside/ is what the symlink points at."""
    root, outside = tmp_path / "work", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "sub" / "f.txt").write_text("inside\n")
    for name in ("f.txt", "outside-only.txt"):
        (outside / name).write_text(f"{SECRET}\n")
    with context.using(context.ToolContext.create(root)):
        yield root


class Swapper:
    """Replaces work/sub with a symlink to outside/ and back, in a loop, until stopped."""

    def __init__(self, root: Path) -> None:
        self.root, self.sub, self.parked = root, root / "sub", root / "sub.parked"
        self.outside = root.parent / "outside"
        self.strays = count()
        self.swaps = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            os.rename(self.sub, self.parked)  # the real folder steps aside (it stays inside)
            self._retry(lambda: os.symlink(self.outside, self.sub, target_is_directory=True))
            time.sleep(random.uniform(0, 0.0005))
            os.unlink(self.sub)
            self._retry(lambda: os.rename(self.parked, self.sub))
            time.sleep(random.uniform(0, 0.003))
            self.swaps += 1

    def _retry(self, step: Callable[[], None]) -> None:
        """A write may have made a fresh sub/ in the gap (write_file creates folders): move it aside."""
        while True:
            try:
                return step()
            except OSError:
                if self.sub.is_dir() and not self.sub.is_symlink():
                    os.rename(self.sub, self.root / f"stray-{next(self.strays)}")


@contextmanager
def swapping(root: Path) -> Iterator[Swapper]:
    swapper = Swapper(root)
    thread = threading.Thread(target=swapper.run, daemon=True)
    thread.start()
    try:
        yield swapper
    finally:
        swapper.stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert swapper.swaps > MIN_SWAPS, "the swapper barely ran: the race was not exercised"


def rounds(swapper: Swapper, planned: int) -> Iterator[int]:
    """`planned` rounds, and more (up to ten times as many) until the swapper has really run.

    On a loaded machine the swapping thread may get little time while the rounds run.
    """
    number = 0
    while number < planned or (swapper.swaps <= MIN_SWAPS and number < 10 * planned):
        yield number
        number += 1


def everything_under(folder: Path) -> dict[str, str]:
    """Every file under `folder` (symlinks not followed), by path relative to it, with its content."""
    found = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory, name)
            if not path.is_symlink():
                found[str(path.relative_to(folder))] = path.read_text()
    return found


def test_case29_writes_never_land_outside_while_a_folder_is_swapped_for_a_symlink(tree):
    written, refused, unclear = [], 0, []
    with swapping(tree) as swapper:
        for number in rounds(swapper, WRITES):
            path = f"sub/new-{number}/w.txt" if number % 4 == 0 else f"sub/w{number}.txt"
            try:
                result = files.write_file(path, f"write {number}\n")
            except (ValueError, OSError) as error:
                refused += 1
                if not any(reason in str(error) for reason in CLEAR_ERRORS):
                    unclear.append(f"{path}: {error!r}")
                continue
            assert result.startswith("created "), result
            written.append(f"write {number}\n")

    outside = everything_under(tree.parent / "outside")
    assert outside == {"f.txt": f"{SECRET}\n", "outside-only.txt": f"{SECRET}\n"}, "a write landed outside"
    inside = everything_under(tree)
    assert [name for name in inside if name.endswith(".tmp")] == [], "a temporary file was left behind"
    assert set(written) <= set(inside.values()), "a write reported as done is not in the workspace"
    assert unclear == [], f"{len(unclear)} unclear errors, e.g. {unclear[:3]}"
    assert len(written) > WRITES // 10, f"only {len(written)} writes succeeded ({refused} refused)"


def test_case29_reads_listings_and_searches_never_see_outside_while_a_folder_is_swapped(tree):
    calls = [
        lambda: files.read_file("sub/f.txt"), lambda: files.list_files("sub"),
        lambda: files.list_files(".", recursive=True), lambda: files.search_files("SECRET"),
        lambda: files.search_files("SECRET", "sub"), lambda: files.search_files("SECRET", "sub/f.txt"),
    ]
    answered = 0
    with swapping(tree) as swapper:
        for number in rounds(swapper, READS):
            try:
                output = calls[number % len(calls)]()
            except (ValueError, OSError):
                continue
            answered += 1
            assert SECRET not in output and "outside-only" not in output, output
    assert answered > READS // 10


def test_case29_without_dir_fd_support_the_tools_refuse_rather_than_race(tree, monkeypatch):
    monkeypatch.setattr(nofollow, "SUPPORTED", False)
    with pytest.raises(OSError, match="cannot open files without following symlinks"):
        files.write_file("sub/new.txt", "x")
    with pytest.raises(OSError, match="cannot open files without following symlinks"):
        files.read_file("sub/f.txt")
    assert not (tree / "sub" / "new.txt").exists()
