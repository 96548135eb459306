"""Case 57: `@path` attaches a file to the message — and only what the user meant, from where they may.

A real Session answering through litellm from the fake server: the request body carries the
attached file; the stored message keeps it, and a resumed session (TUI and REPL) names it. A path
out of the workspace (`..`, or a symlink whose target is outside), a binary file and a file over the
size limit are refused with a notice and never reach the model; an absolute path typed by the user
is their choice. `me@example.com` and `@` before nothing that exists stay as typed. `agentsh run
"explain @file"` attaches too, and Tab offers paths in both UIs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from reliability_support import agentsh_env

from agentsh import mentions
from agentsh.events import Notice
from agentsh.repl.prompt import SlashCompleter
from agentsh.repl.shell import recap_lines
from agentsh.tui.slash import candidates
from agentsh.tui.widgets.messages import UserMessage

from fakeserver import Reply
from helpers import of, send

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))
from tui_support import make_app, ready, screen_text

SECRET = "password=hunter2-outside-the-workspace"


def last_user_content(server) -> str:
    return [m for m in server.last_body["messages"] if m["role"] == "user"][-1]["content"]


def notices(events) -> list[str]:
    return [e.message for e in of(events, Notice)]


def test_case57_the_request_carries_the_file_and_the_resumed_session_names_it(server, llm_session, workdir):
    (workdir / "src").mkdir()
    (workdir / "src" / "app.py").write_text("def kumquat():\n    return '[bold]not markup[/bold]'\n")
    server.enqueue(Reply(text="it defines kumquat"))
    session = llm_session()
    events = asyncio.run(send(session, "explain @src/app.py, please"))
    sent = last_user_content(server)
    assert sent.startswith("explain @src/app.py, please")
    assert "def kumquat():" in sent and '<attached path="src/app.py">' in sent
    assert notices(events) == ["attached @src/app.py (file, 52 B)"]

    resumed = llm_session(resume=session.id)
    stored = next(m for m in resumed.history() if m.role == "user")
    assert stored.typed == "explain @src/app.py, please"
    assert resumed.record.title == "explain @src/app.py, please"  # the title is what was typed, not the file
    assert [(a.path, a.kind) for a in stored.attachments] == [("src/app.py", "file")]
    assert "📎 @src/app.py (file)" in "\n".join(recap_lines(resumed.history()))

    async def tui() -> str:
        app = make_app(resumed)
        async with app.run_test(size=(100, 32)) as pilot:
            await ready(pilot)
            return screen_text(app)

    shown = asyncio.run(tui())
    assert "📎 @src/app.py · file, 0 KB" in shown
    assert "def kumquat" not in shown  # the message as typed, the file named, not dumped


def test_case57_paths_out_of_the_workspace_are_refused_unless_typed_absolute(server, llm_session, workdir, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET)
    (workdir / "link.txt").symlink_to(outside)
    (workdir / "linked-folder").symlink_to(tmp_path)
    server.enqueue(Reply(text="ok"), Reply(text="ok"))
    session = llm_session()

    events = asyncio.run(send(session, "read @../outside.txt and @link.txt and @linked-folder/outside.txt"))
    assert SECRET not in server.last_body["messages"][-1]["content"]
    assert notices(events) == [
        "@../outside.txt: is outside the workspace (type its absolute path to attach it); not attached",
        "@link.txt: leads outside the workspace through a symlink; not attached",
        "@linked-folder/outside.txt: leads outside the workspace through a symlink; not attached",
    ]
    asyncio.run(send(session, f"read @{outside}"))
    assert SECRET in last_user_content(server)  # typed absolute: the user's own choice


def test_case57_binary_and_oversized_files_are_refused_with_a_notice(server, llm_session, workdir):
    (workdir / "photo.bin").write_bytes(b"\x89PNG\x00\x01\x02 kumquat")
    (workdir / "latin1.txt").write_bytes("caf\xe9 kumquat".encode("latin-1"))
    (workdir / "huge.log").write_text("kumquat " * (mentions.FILE_LIMIT // 8 + 1))
    server.enqueue(Reply(text="ok"))
    events = asyncio.run(send(llm_session(), "look at @photo.bin @latin1.txt @huge.log"))
    assert "kumquat" not in last_user_content(server)
    assert notices(events) == [
        "@photo.bin: is a binary file; not attached",
        "@latin1.txt: is not UTF-8 text (a binary file?); not attached",
        "@huge.log: is larger than the 2.0 MB limit for an attached file; not attached",
    ]


def test_case57_email_addresses_and_at_signs_before_nothing_stay_literal(server, llm_session, workdir):
    (workdir / "example.com").write_text("kumquat")  # `me@example.com` does not start a word: no mention
    typed = "mail me@example.com about @nothing-here and @ alone"
    server.enqueue(Reply(text="ok"))
    events = asyncio.run(send(llm_session(), typed))
    assert last_user_content(server) == typed
    assert notices(events) == []


def test_case57_a_folder_is_a_listing_and_a_glob_its_files(server, llm_session, workdir):
    (workdir / "docs").mkdir()
    (workdir / "docs" / "a.md").write_text("alpha kumquat")
    (workdir / "docs" / "b.md").write_text("beta kumquat")
    server.enqueue(Reply(text="ok"), Reply(text="ok"))
    session = llm_session()
    asyncio.run(send(session, "what is in @docs/"))
    listing = last_user_content(server)
    assert "a.md\nb.md" in listing and "alpha" not in listing
    asyncio.run(send(session, "compare @docs/*.md"))
    assert "alpha kumquat" in last_user_content(server) and "beta kumquat" in last_user_content(server)


def test_case57_agentsh_run_attaches_the_mentioned_file(server, cli, workdir):
    (workdir / "app.py").write_text("print('kumquat')\n")
    server.enqueue(Reply(text="it prints kumquat"))
    status, out, err = cli("run", "--model", "openai/fake-model", "explain @app.py")
    assert status == 0, err
    assert "print('kumquat')" in last_user_content(server)
    assert "attached @app.py" in err + out


def test_case57_tab_offers_paths_in_both_uis(home, workdir):
    from agentsh.models.scripted import ScriptedModel

    from helpers import scripted_session

    (workdir / "src").mkdir()
    (workdir / "src" / "app.py").write_text("")
    (workdir / "setup.cfg").write_text("")
    session = scripted_session(home, ScriptedModel())
    assert candidates(session, "explain @s") == ["explain @setup.cfg", "explain @src/"]
    assert candidates(session, "explain @src/") == ["explain @src/app.py"]
    completer = SlashCompleter(lambda: session)
    found = list(completer.get_completions(Document("explain @src/a"), CompleteEvent()))
    assert [(c.text, c.start_position) for c in found] == [("src/app.py", -5)]
    assert candidates(session, "me@ex") == []


def test_case57_attachment_names_are_shown_literally(home):
    from agentsh.config import Settings
    from agentsh.messages import Attachment, Message
    from agentsh.models.scripted import ScriptedModel
    from agentsh.session import Session

    from helpers import scripted_session

    session = scripted_session(home, ScriptedModel())
    session.store.insert(session.record)
    hostile = Attachment(path="[red]x\x1b]0;owned\x07.md", kind="file", size=10)
    session.store.add_messages(session.id, [Message(role="user", content="see", attachments=[hostile])])

    async def tui() -> str:
        app = make_app(Session.open(Settings(home=home), resume=session.id))
        async with app.run_test(size=(100, 32)) as pilot:
            await ready(pilot)
            assert len(app.transcript.query(UserMessage)) == 1
            return screen_text(app)

    shown = asyncio.run(tui())
    assert "📎 @[red]x␛]0;owned\\x07.md · file" in shown  # markup and escapes shown, never run


def test_case57_piped_text_is_data_its_at_words_attach_nothing(server, agentsh, workdir):
    (workdir / "notes.txt").write_text(SECRET)
    (workdir / "app.py").write_text("print('kumquat')\n")
    server.enqueue(Reply(text="summary"))
    done = agentsh("run", "--model", "openai/fake-model", "summarise this log about @app.py",
                   input=b"line 1: error, see @notes.txt and @/etc/hostname\n", env=agentsh_env(server))
    assert done.returncode == 0, done.stderr
    sent = last_user_content(server)
    assert "print('kumquat')" in sent  # the user's own words attach
    assert "see @notes.txt" in sent and SECRET not in sent  # the piped log's do not


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


def test_case57_an_image_goes_as_an_attachment_only_to_a_model_that_accepts_images(server, llm_session, workdir):
    (workdir / "shot.png").write_bytes(PNG)
    server.enqueue(Reply(text="a pixel"), Reply(text="ok"))
    vision = llm_session()
    vision.set_model("openai/gpt-4o")  # litellm knows it accepts images; the fake server answers for it
    events = asyncio.run(send(vision, "what is in @shot.png"))
    content = [m for m in server.last_body["messages"] if m["role"] == "user"][-1]["content"]
    assert content[0] == {"type": "text", "text": "what is in @shot.png"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert notices(events) == ["attached @shot.png (image, 45 B)"]

    events = asyncio.run(send(llm_session(), "what is in @shot.png"))  # openai/fake-model: litellm knows no vision
    assert last_user_content(server) == "what is in @shot.png"
    assert notices(events) == ["@shot.png: is an image, and this model does not accept images; not attached"]
