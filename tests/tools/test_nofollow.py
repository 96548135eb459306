"""nofollow: folders and files reached from a root's descriptor, never through a symlink."""

from __future__ import annotations

import os

import pytest

from agentsh.tools import nofollow


@pytest.fixture
def root(tmp_path):
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "real" / "file").write_text("inside")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "filelink").symlink_to(tmp_path / "real" / "file")
    return tmp_path


def test_a_symlinked_folder_on_the_path_is_an_error_not_followed(root):
    with pytest.raises(nofollow.PathChanged), nofollow.directory(root, ["link", "deep"]):
        pass
    with nofollow.directory(root, ["real", "deep"]) as folder:
        assert os.listdir(folder) == []


def test_a_file_symlink_is_not_opened_and_a_file_on_the_path_is_not_a_folder(root):
    with nofollow.directory(root, ["real"]) as folder:
        with pytest.raises(nofollow.PathChanged):
            nofollow.open_file(folder, "filelink")
        with pytest.raises(NotADirectoryError):
            nofollow.open_directory(folder, "file")
        os.close(nofollow.open_file(folder, "file"))


def test_missing_folders_are_created_only_when_asked(root):
    with pytest.raises(FileNotFoundError), nofollow.directory(root, ["new", "deeper"]):
        pass
    with nofollow.directory(root, ["new", "deeper"], create=True) as folder:
        nofollow.replace_file(folder, "f.txt", [b"one ", b"two"], None)
    assert (root / "new" / "deeper" / "f.txt").read_text() == "one two"


def test_replace_keeps_the_given_mode_and_a_failure_leaves_no_temporary(root):
    with nofollow.directory(root, ["real"]) as folder:
        nofollow.replace_file(folder, "file", [b"new"], 0o640)
        with pytest.raises(RuntimeError):
            nofollow.replace_file(folder, "file", _failing_chunks(), None)
    assert (root / "real" / "file").read_text() == "new" and (root / "real" / "file").stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(root / "real")) == ["deep", "file", "filelink"]


def _failing_chunks():
    yield b"half of it"
    raise RuntimeError("the disk filled up")
