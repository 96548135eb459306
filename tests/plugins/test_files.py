"""The files plugin: every path stays inside the workspace, reads and writes are bounded and safe."""

import importlib.util
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from agentsh.tools import context

PLUGIN_PATH = Path(__file__).resolve().parents[2] / "plugins" / "files.py"
SECRET = "SECRET-OUTSIDE"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"agentsh_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


files = _load(PLUGIN_PATH)


@pytest.fixture
def tree(tmp_path):
    """work/ is the workspace; workshop/ (a sibling sharing its prefix) and outside/ are not."""
    root, sibling, outside = tmp_path / "work", tmp_path / "workshop", tmp_path / "outside"
    for folder in (root / "sub", root / "agentsh-data", sibling, outside / "deep"):
        folder.mkdir(parents=True)
    (root / "a").write_text("inside a\n")
    (root / "sub" / "b").write_text("inside b\n")
    for secret in (sibling / "a", outside / "a", outside / "deep" / "b"):
        secret.write_text(f"{SECRET}\n")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "filelink").symlink_to(outside / "a")
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)  # stays inside: allowed
    (root / "sub" / "alias").symlink_to(root / "a")
    with context.using(context.ToolContext.create(root, [root / "agentsh-data"])):
        yield root


def _outside_error(call, *args, **kwargs):
    with pytest.raises(ValueError, match="is outside the workspace"):
        call(*args, **kwargs)


# --- confinement -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["../outside/a", "sub/../../outside/a", "../work/../workshop/a", "sub/up/../../outside/a"])
def test_dotdot_escapes_are_refused(tree, path):
    _outside_error(files.read_file, path)


def test_absolute_paths_outside_and_sibling_prefix_folder_are_refused(tree):
    _outside_error(files.read_file, str(tree.parent / "outside" / "a"))
    _outside_error(files.read_file, str(tree.parent / "workshop" / "a"))  # /x/work vs /x/workshop
    _outside_error(files.read_file, "/etc/passwd")
    _outside_error(files.list_files, str(tree.parent / "workshop"))


def test_absolute_paths_inside_are_fine(tree):
    assert "inside a" in files.read_file(str(tree / "a"))


def test_error_names_the_path_and_the_workspace(tree):
    with pytest.raises(ValueError) as error:
        files.read_file("../x")
    assert f"path '../x' is outside the workspace {tree}" in str(error.value)


def test_symlinks_leaving_the_workspace_are_refused(tree):
    _outside_error(files.read_file, "filelink")
    _outside_error(files.read_file, "link/a")
    _outside_error(files.list_files, "link")
    _outside_error(files.search_files, "SECRET", "link")
    _outside_error(files.write_file, "filelink", "overwritten")
    assert (tree.parent / "outside" / "a").read_text() == f"{SECRET}\n"


def test_symlinks_staying_inside_are_followed(tree):
    assert "inside a" in files.read_file("sub/alias")
    assert "inside b" in files.read_file("sub/up/sub/b")


def test_write_through_a_symlinked_parent_is_refused(tree):
    _outside_error(files.write_file, "link/new.txt", "x")
    _outside_error(files.write_file, "link/newdir/new.txt", "x")
    assert not (tree.parent / "outside" / "new.txt").exists()
    assert not (tree.parent / "outside" / "newdir").exists()


def test_write_through_a_dangling_symlink_out_is_refused(tree):
    (tree / "dangling").symlink_to(tree.parent / "outside" / "created-by-write")
    _outside_error(files.write_file, "dangling", "x")
    assert not (tree.parent / "outside" / "created-by-write").exists()


def test_search_does_not_follow_file_symlinks_out_of_the_workspace(tree):
    assert "no matches" in files.search_files(SECRET)
    assert "sub/b:1: inside b" in files.search_files("inside")


SEGMENTS = ["..", ".", "a", "b", "sub", "up", "link", "filelink", "deep", "workshop", "/", "/", "//", "~"]


def _path_strings():
    segments = st.sampled_from(SEGMENTS)
    return st.lists(segments, max_size=10).map(lambda parts: "".join(p if p.startswith("/") else p + "/" for p in parts).rstrip("/") or ".")


def _absolute_or_relative(root: Path):
    anchors = st.sampled_from(["", f"{root}/", f"{root.parent}/", f"{root}shop/", "/"])
    return st.tuples(anchors, _path_strings()).map(lambda pair: pair[0] + pair[1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_accepted_path_resolves_inside_the_root(tree, data):
    path = data.draw(_absolute_or_relative(tree))
    try:
        resolved = files.resolve_path(path)
    except ValueError as error:
        assert "outside the workspace" in str(error)
    else:
        assert Path(os.path.realpath(resolved)).is_relative_to(tree)
    for call in (files.read_file, files.list_files, lambda p: files.search_files("OUTSIDE", p)):
        try:
            output = call(path)
        except (ValueError, OSError):
            continue
        assert SECRET not in output


# --- protected paths, writing ------------------------------------------------------------------

def test_protected_target_is_refused_even_inside_the_workspace(tree):
    with pytest.raises(PermissionError, match="protected"):
        files.write_file("agentsh-data/trust.json", "{}")
    with pytest.raises(PermissionError, match="protected"):
        files.write_file("agentsh-data", "{}")
    (tree / "to-data").symlink_to(tree / "agentsh-data")
    with pytest.raises(PermissionError, match="protected"):
        files.write_file("to-data/new.py", "x")
    assert list((tree / "agentsh-data").iterdir()) == []


def test_write_creates_parents_and_reports(tree):
    assert files.write_file("notes/deep/todo.md", "one\n") == "created notes/deep/todo.md: wrote 4 bytes"
    assert files.write_file("notes/deep/todo.md", "two\n", append=True).startswith("appended")
    assert (tree / "notes" / "deep" / "todo.md").read_text() == "one\ntwo\n"
    assert files.write_file("notes/deep/todo.md", "three\n").startswith("replaced")
    assert (tree / "notes" / "deep" / "todo.md").read_text() == "three\n"


def test_write_keeps_the_mode_and_leaves_no_temporary_files(tree):
    script = tree / "run.sh"
    script.write_text("old")
    script.chmod(0o751)
    files.write_file("run.sh", "new")
    assert script.read_text() == "new" and (script.stat().st_mode & 0o777) == 0o751
    assert sorted(p.name for p in tree.iterdir() if p.name.endswith(".tmp")) == []


def test_write_is_atomic_for_concurrent_readers(tree):
    target = tree / "big.txt"
    old, new = "a" * 2_000_000, "b" * 2_000_000
    target.write_text(old)
    seen, stop = set(), threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(target.read_text())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(5):
            files.write_file("big.txt", new)
            files.write_file("big.txt", old)
    finally:
        stop.set()
        thread.join()
    assert seen <= {old, new}


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tree, monkeypatch):
    (tree / "keep.txt").write_text("old")
    monkeypatch.setattr(files.os, "replace", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        files.write_file("keep.txt", "new")
    assert (tree / "keep.txt").read_text() == "old"
    assert [p.name for p in tree.iterdir() if p.name.endswith(".tmp")] == []


def test_write_to_a_directory_is_refused(tree):
    with pytest.raises(IsADirectoryError):
        files.write_file("sub", "x")


# --- reading -------------------------------------------------------------------------------------

def test_read_numbers_lines_and_pages(tree):
    (tree / "lines.txt").write_text("".join(f"line {n}\n" for n in range(1, 1001)))
    first = files.read_file("lines.txt")
    assert "lines 1-400; more lines follow: continue with offset_line=401" in first
    assert "     1\tline 1\n" in first and first.endswith("   400\tline 400")
    page = files.read_file("lines.txt", offset_line=990, max_lines=50)
    assert "lines 990-1000" in page and "more lines" not in page and page.endswith("line 1000")
    assert "has no line 2000" in files.read_file("lines.txt", offset_line=2000)


def test_read_of_binary_is_refused(tree):
    (tree / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(100))
    with pytest.raises(ValueError, match=r"'image.png' is a binary file"):
        files.read_file("image.png")


def test_read_missing_file_and_directory_are_clear(tree):
    with pytest.raises(FileNotFoundError, match=r"'nope.txt' does not exist"):
        files.read_file("nope.txt")
    with pytest.raises(IsADirectoryError, match="use list_files"):
        files.read_file("sub")


def test_huge_files_are_read_in_bounded_windows(tree):
    line = "x" * 99 + "\n"
    with open(tree / "huge.log", "w") as handle:
        for _ in range(30):
            handle.write(line * 10_000)  # 30 MB
        handle.write("the end\n")
    output = files.read_file("huge.log", offset_line=300_001, max_lines=10)
    assert "lines 300001-300001" in output and output.endswith("the end")
    head = files.read_file("huge.log", max_lines=1_000_000)
    assert len(head) <= files.MAX_READ_BYTES + 200
    assert "over 2 MB" in head.splitlines()[0]


def test_a_giant_line_is_cut(tree):
    (tree / "min.js").write_text("y" * 5_000_000 + "\nnext\n")
    output = files.read_file("min.js")
    assert "[line cut]" in output and output.endswith("next") and len(output) < 10_000


# --- listing and searching -----------------------------------------------------------------------

def test_list_marks_folders_and_filters(tree):
    listing = files.list_files().splitlines()
    assert {"a", "sub/", "link", "filelink"} <= set(listing)
    assert files.list_files("sub", recursive=True).splitlines() == ["sub/alias", "sub/b", "sub/up"]
    assert files.list_files(pattern="file*") == "filelink"


def test_list_is_bounded(tree):
    many = tree / "many"
    many.mkdir()
    for n in range(600):
        (many / f"f{n:03}.txt").touch()
    listing = files.list_files("many").splitlines()
    assert len(listing) == 501 and "stopped at 500 entries" in listing[-1]
    assert listing[0] == "many/f000.txt"


def test_recursive_listing_skips_git_internals(tree):
    (tree / ".git" / "objects").mkdir(parents=True)
    (tree / ".git" / "objects" / "ab").touch()
    listing = files.list_files(recursive=True)
    assert ".git/" in listing.splitlines() and "objects" not in listing


def test_search_substring_regex_and_glob(tree):
    (tree / "sub" / "code.py").write_text("def main():\n    return 42\n")
    assert files.search_files("return 42") == "sub/code.py:2:     return 42"
    assert files.search_files(r"def \w+\(", regex=True) == "sub/code.py:1: def main():"
    assert files.search_files("inside", glob="*.py").startswith("no matches")
    assert files.search_files("inside", path="sub/b") == "sub/b:1: inside b"
    with pytest.raises(ValueError, match="invalid regular expression"):
        files.search_files("(", regex=True)


def test_search_is_bounded_and_skips_binary(tree):
    (tree / "many.txt").write_text("needle\n" * 1000)
    (tree / "blob.bin").write_bytes(b"needle\0" * 10)
    lines = files.search_files("needle").splitlines()
    assert len(lines) == 201 and "stopped at 200 matches" in lines[-1]
    assert all(line.startswith("many.txt:") for line in lines[:-1])


async def test_tools_run_through_invoke_with_schemas(tree):
    assert files.write_file.requires_approval and not files.read_file.requires_approval
    properties = files.read_file.schema()["function"]["parameters"]["properties"]
    assert set(properties) == {"path", "offset_line", "max_lines"}
    assert "first line" in properties["offset_line"]["description"]
    assert "inside a" in await files.read_file.invoke({"path": "a"})
