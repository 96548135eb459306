"""Case 59: /undo and /rewind put back what the agent's tools changed, and never lose the user's own edits.

Before the first call in a turn to a tool that asks approval (write_file, run_shell...), agentsh
snapshots the workspace into a shadow git repository in its data home, and again when the turn
ends. Each test runs real turns through litellm against the fake server, with a real git:

- /undo restores a file the turn modified, removes the files (and folders) it created, and says which;
  a shell command's changes are undone too, in a workspace without any git repository;
- a workspace that is the user's own git repository: its .git (HEAD, index, refs) is not touched;
- a file the user changed after the turn is not clobbered: /undo refuses and names it; --force restores;
- /rewind N restores the files of turn N and later, cuts the conversation there, keeps it whole in a fork;
- without git, or in a workspace over the size cap, a turn says once that checkpoints are off, and /undo says why.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import agentsh.tools.checkpoints as checkpoints
from agentsh.commands import run_slash_command
from agentsh.config import data_home
from agentsh.events import Notice

from fakeserver import Reply
from helpers import send


def write(path: str, content: str) -> dict:
    return {"name": "write_file", "arguments": {"path": path, "content": content}}


def shell(command: str) -> dict:
    return {"name": "run_shell", "arguments": {"command": command}}


async def turn(session, server, *calls: dict, text: str = "do it") -> list:
    for call in calls:
        server.enqueue(Reply(tool_calls=[call]))
    server.enqueue(Reply(text="Done."))
    return await send(session, text)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


async def test_case59_undo_restores_modified_and_removes_created_files(llm_session, server, workdir):
    (workdir / "a.txt").write_text("original\n")
    session = llm_session(approval="auto")
    await turn(session, server, write("a.txt", "changed by the agent\n"), write("new/deep/b.txt", "new file\n"))
    assert (workdir / "a.txt").read_text() == "changed by the agent\n"

    result = run_slash_command(session, "/undo")

    assert not result.error, result.text
    assert "restored a.txt" in result.text and "removed new/deep/b.txt" in result.text and "turn 1" in result.text
    assert (workdir / "a.txt").read_text() == "original\n"
    assert not (workdir / "new").exists()
    assert not list(workdir.glob(".git*")), "the shadow repository lives in the data home, not the workspace"
    assert (data_home(session.settings) / "checkpoints").is_dir()
    again = run_slash_command(session, "/undo")
    assert again.error and "no file changes to undo" in again.text


async def test_case59_a_shell_command_is_undone_and_earlier_turns_stay(llm_session, server, workdir):
    session = llm_session(approval="auto")
    await turn(session, server, write("kept.txt", "from turn 1\n"))
    await turn(session, server, shell("echo made > made.txt && rm kept.txt"))
    assert (workdir / "made.txt").exists() and not (workdir / "kept.txt").exists()

    result = run_slash_command(session, "/undo")

    assert "turn 2" in result.text and "removed made.txt" in result.text and "restored kept.txt" in result.text
    assert (workdir / "kept.txt").read_text() == "from turn 1\n" and not (workdir / "made.txt").exists()


async def test_case59_the_users_own_git_repository_is_untouched(llm_session, server, workdir):
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=workdir, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    (workdir / ".gitignore").write_text("build/\n")
    (workdir / "src.py").write_text("print(1)\n")
    git("add", ".")
    git("-c", "user.name=u", "-c", "user.email=u@x", "commit", "-qm", "first")
    before = tree_digest(workdir / ".git")
    session = llm_session(approval="auto")
    await turn(session, server, write("src.py", "print(2)\n"), write("build/out.bin", "ignored output\n"))

    result = run_slash_command(session, "/undo")

    assert (workdir / "src.py").read_text() == "print(1)\n"
    assert "build/out.bin" not in result.text, ".gitignore is respected: ignored files are not checkpointed"
    assert tree_digest(workdir / ".git") == before, "agentsh wrote into the user's .git"
    assert git("status", "--porcelain") == "", "the user's index and files are as they committed them"


async def test_case59_a_file_the_user_changed_since_is_not_clobbered(llm_session, server, workdir):
    (workdir / "notes.md").write_text("mine\n")
    session = llm_session(approval="auto")
    await turn(session, server, write("notes.md", "the agent's\n"))
    (workdir / "notes.md").write_text("the agent's\nplus the user's own line\n")

    refused = run_slash_command(session, "/undo")

    assert refused.error and "notes.md changed after agentsh wrote it" in refused.text and "--force" in refused.text
    assert (workdir / "notes.md").read_text() == "the agent's\nplus the user's own line\n"
    forced = run_slash_command(session, "/undo --force")
    assert not forced.error and (workdir / "notes.md").read_text() == "mine\n"


async def test_case59_rewind_restores_files_and_conversation_and_keeps_a_fork(llm_session, server, workdir):
    session = llm_session(approval="auto")
    await send_plain(session, server, "just talk")
    await turn(session, server, write("one.txt", "1\n"), text="write one")
    await turn(session, server, write("two.txt", "2\n"), text="write two")
    listing = run_slash_command(session, "/rewind")
    assert "  1        just talk" in listing.text and "  2  files write one" in listing.text

    result = run_slash_command(session, "/rewind 2")

    assert not result.error, result.text
    assert result.action == "reload" and result.argument == "write one"
    assert not (workdir / "one.txt").exists() and not (workdir / "two.txt").exists()
    assert [m.content for m in session.history() if m.role == "user"] == ["just talk"]
    fork = session.find_session(result.text.split("kept in session ")[1].split(";")[0])
    assert fork.title.endswith("(before rewind to turn 2)")
    kept = session.switch(fork.id).history()
    assert [m.content for m in kept if m.role == "user"] == ["just talk", "write one", "write two"]
    assert session.recent_sessions(1)[0].id == session.id, "the rewound session stays the one `agentsh -c` continues"


async def send_plain(session, server, text: str) -> None:
    server.enqueue(Reply(text="Sure."))
    await send(session, text)


async def test_case59_without_git_checkpoints_are_off_and_say_so(llm_session, server, workdir, tmp_path, monkeypatch):
    no_git = tmp_path / "bin"
    no_git.mkdir()
    monkeypatch.setenv("PATH", str(no_git))
    session = llm_session(approval="auto")
    events = await turn(session, server, write("a.txt", "1\n"), write("b.txt", "2\n"))

    notices = [e.message for e in events if isinstance(e, Notice) and "checkpoints" in e.message]
    assert notices == ["file checkpoints are off: git is not installed, so /undo cannot restore files"], "said once per session"
    assert (workdir / "a.txt").read_text() == "1\n", "the tools still work"
    result = run_slash_command(session, "/undo")
    assert result.error and "git is not installed" in result.text


async def test_case59_a_workspace_over_the_size_cap_gets_a_clear_notice(llm_session, server, workdir, monkeypatch):
    monkeypatch.setattr(checkpoints, "MAX_BYTES", 1000)
    (workdir / "big.bin").write_bytes(os.urandom(5000))
    session = llm_session(approval="auto")
    events = await turn(session, server, write("a.txt", "1\n"))

    notices = [e.message for e in events if isinstance(e, Notice)]
    assert any("file checkpoints are off here" in n and "MB" in n for n in notices), notices
    assert (workdir / "a.txt").exists()



async def test_case59_the_workspaces_gitattributes_cannot_change_restored_bytes(llm_session, server, workdir):
    (workdir / ".gitattributes").write_text("* text eol=crlf ident\n")
    original = b"line one\nline two $Id$\n"
    (workdir / "a.txt").write_bytes(original)
    session = llm_session(approval="auto")
    await turn(session, server, write("a.txt", "replaced\n"))

    run_slash_command(session, "/undo")

    assert (workdir / "a.txt").read_bytes() == original
