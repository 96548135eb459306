"""Case 18: no path given to the files plugin escapes the workspace: `..`, absolute paths, a sibling
folder sharing the workspace's name as a prefix, symlinks (in, out, chained, dangling, looping).

Property-based: hypothesis builds paths from the tree's names, `..`, `.`, separators and absolute
anchors, and points a symlink at a drawn target before each try. Every tool (read, list, search,
write) is called with the path; whatever it answers, nothing outside the workspace is read
(its secret never appears) or written (the outside tree is unchanged byte for byte).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from reliability_support import tree_digest

from agentsh.tools import context

from helpers import load_bundled_plugin

files = load_bundled_plugin("files")
SECRET = "SECRET-OUTSIDE-THE-WORKSPACE"
NAMES = ["..", ".", "a", "sub", "deep", "up", "out", "outfile", "chain", "dangling", "loop", "dyn", "work", "workshop", "new", "x.txt"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """work/ is the workspace; workshop/ (a sibling sharing its name as a prefix) and outside/ are not."""
    base = tmp_path_factory.mktemp("confinement")
    root, sibling, outside = base / "work", base / "workshop", base / "outside"
    for folder in (root / "sub" / "deep", root / ".agentsh-data", sibling, outside / "deep"):
        folder.mkdir(parents=True)
    (root / "a").write_text("inside\n")
    (root / "sub" / "deep" / "x.txt").write_text("inside too\n")
    for secret in (sibling / "a", sibling / "x.txt", outside / "a", outside / "deep" / "x.txt"):
        secret.write_text(f"{SECRET}\n")
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)         # stays inside
    (root / "out").symlink_to(outside, target_is_directory=True)             # leaves
    (root / "outfile").symlink_to(outside / "a")
    (root / "chain").symlink_to("sub/up/out")                                # inside, then out
    (root / "dangling").symlink_to(outside / "new-file")                     # would create outside
    (root / "loop").symlink_to("loop")
    (root / "sub" / "workshop").symlink_to(sibling, target_is_directory=True)
    return root


@pytest.fixture
def workspace(tree):
    with context.using(context.ToolContext.create(tree, [tree / ".agentsh-data"])):
        yield tree


def paths(root: Path):
    segment = st.sampled_from(NAMES)
    relative = st.lists(st.one_of(segment, st.sampled_from(["", "/", "//", "./"])), min_size=1, max_size=8).map("/".join)
    anchors = st.sampled_from(["", f"{root}/", f"{root.parent}/", f"{root}shop/", f"{root.parent}/outside/", "/", "~/", "/proc/self/cwd/"])
    return st.tuples(anchors, relative).map("".join)


def link_targets(root: Path):
    return st.one_of(
        st.sampled_from([str(root.parent / "outside"), str(root.parent / "workshop"), str(root), "/", "..", "../..", "sub/up/.."]),
        st.lists(st.sampled_from(["..", ".", "sub", "out", "up", "deep"]), min_size=1, max_size=5).map("/".join),
    )


def outside_state(root: Path) -> dict[str, str]:
    return tree_digest(root.parent / "outside", root.parent / "workshop", root / ".agentsh-data")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_case18_no_path_leaves_the_workspace(workspace, data):
    root = workspace
    dyn = root / "sub" / "dyn"
    dyn.unlink(missing_ok=True)
    dyn.symlink_to(data.draw(link_targets(root), label="symlink target"))
    path = data.draw(paths(root), label="path")
    before = outside_state(root)

    try:
        resolved = files.resolve_path(path)
    except ValueError as error:
        assert any(reason in str(error) for reason in ("outside the workspace", "cannot be resolved", "NUL")), error
    else:
        assert Path(os.path.realpath(resolved)).is_relative_to(os.path.realpath(root))

    assert_confined(root, path, before)


def assert_confined(root: Path, path: str, before: dict[str, str]) -> None:
    """Every tool, given `path`: the outside's secret never appears, and nothing outside changes."""
    calls = [
        lambda: files.read_file(path), lambda: files.list_files(path, recursive=True),
        lambda: files.search_files("SECRET", path), lambda: files.write_file(path, "written by the model"),
        lambda: files.write_file(f"{path}/new", "written by the model", append=True),
    ]
    for call in calls:
        try:
            output = call()
        except (ValueError, OSError):
            continue
        assert SECRET not in output, path
    assert outside_state(root) == before, f"{path!r} wrote outside the workspace"


@pytest.mark.parametrize("path", ["loop/../outfile", "loop/../dangling", "loop/../out/a", "sub/loop/../../outfile", "loop/../chain/deep/x.txt"])
def test_case18_a_symlink_loop_does_not_hide_a_link_out(workspace, path):
    """realpath gives up at a loop and collapses the rest by text: found by the property above."""
    loop = workspace / "sub" / "loop"
    if loop.is_dir() and not loop.is_symlink():  # the property test shares the tree and may have written sub/loop/...
        shutil.rmtree(loop)
    loop.unlink(missing_ok=True)
    loop.symlink_to("loop")
    assert_confined(workspace, path, outside_state(workspace))
