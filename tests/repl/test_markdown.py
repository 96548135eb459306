"""On a terminal the plain REPL renders answers as Markdown as they stream; --raw and pipes keep them as written."""

from __future__ import annotations

import io
import re

import pytest

from agentsh.cli.parser import build_parser
from agentsh.events import SessionInfo, TextDelta, ToolCall, TurnDone
from agentsh.repl import live
from agentsh.repl.live import finished_end
from agentsh.repl.render import TranscriptPrinter

ANSWER = "# Title\n\nSome **bold** words and [red]markup[/red].\n\n- one\n- two\n\n```python\nprint('hi')\n\nx = 1\n```\n\nDone \x1b[2J here."
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def printed(markdown: bool, color: bool = True) -> str:
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=color, live=True, markdown=markdown)
    printer.show(SessionInfo(session_id="s1", mode="chat", model="offline"))
    for piece in re.findall(r"\S+\s*|\s+", ANSWER):
        printer.show(TextDelta(delta=piece))
    printer.show(TurnDone(session_id="s1", output=ANSWER))
    return out.getvalue()


def test_an_answer_streams_as_rendered_markdown_with_highlighted_code():
    out = printed(markdown=True)
    plain = ANSI.sub("", out)
    assert "Title" in plain and "# Title" not in plain and "**bold**" not in plain and "bold" in plain
    assert "• one" in plain and "print('hi')" in plain and "```" not in plain
    assert "\x1b[1m" in out  # bold, from the Markdown
    assert "[red]markup[/red]" in plain  # Rich markup in an answer is text
    assert "\x1b[2J" not in out and "␛[2J" in plain  # an escape sequence is shown, never run


def test_without_markdown_the_answer_is_written_as_it_came():
    out = printed(markdown=False, color=False)
    assert out == ANSWER.replace("\x1b", "␛") + "\n"


def test_a_tool_call_ends_the_rendered_part_and_the_spinner():
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=False, live=True, markdown=True)
    printer.show(SessionInfo(session_id="s1", mode="chat", model="offline"))
    printer.show(TextDelta(delta="Let me look."))
    printer.show(ToolCall(id="c1", name="calculator", arguments={"expression": "1+1"}))
    plain = ANSI.sub("", out.getvalue())
    assert plain.index("Let me look.") < plain.index("⚙ calculator")


def test_finished_blocks_end_at_a_blank_line_outside_a_code_fence():
    source = "para one\n\n```\ncode\n\nmore code\n"
    assert finished_end(source, 0) == len("para one\n\n")
    assert finished_end(source + "```\n\nnext", 0) == len(source + "```\n\n")


def test_raw_is_a_flag_of_the_shell():
    assert build_parser().parse_args(["--plain", "--raw"]).raw


def test_quoted_command_output_keeps_its_lines():
    """A model that quotes a listing without a code fence: each line stays a line (CommonMark would join them)."""
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=False, live=True, markdown=True)
    printer.show(SessionInfo(session_id="s1", mode="chat", model="offline"))
    answer = "The folder holds:\nREADME.md\nsetup.py\nagentsh/\n\nThat is all."
    for piece in re.findall(r"\S+\s*|\s+", answer):
        printer.show(TextDelta(delta=piece))
    printer.show(TurnDone(session_id="s1", output=answer))
    assert re.search(r"The folder holds: *\nREADME\.md *\nsetup\.py *\nagentsh/", ANSI.sub("", out.getvalue()))


@pytest.mark.parametrize("fenced", [False, True], ids=["one-paragraph", "one-code-block"])
def test_a_long_block_without_a_blank_line_is_not_rendered_again_for_every_piece(monkeypatch, fenced):
    """20,000 words in one block: the block being written is drawn a few times a second, only its last
    screenful, so the work stays proportional to the answer (it was parsed again whole for every piece)."""
    rendered: list[int] = []
    real = live.rich_markdown
    monkeypatch.setattr(live, "rich_markdown", lambda text: rendered.append(len(text)) or real(text))
    out = io.StringIO()
    printer = TranscriptPrinter(out, color=False, live=True, markdown=True)
    printer.show(SessionInfo(session_id="s1", mode="chat", model="offline"))
    words = [f"word{n} " + ("\n" if fenced and n % 10 == 9 else "") for n in range(20_000)]
    answer = ("```\n" if fenced else "") + "".join(words) + ("```\n" if fenced else "")
    pieces = ["```\n", *words, "```\n"] if fenced else words
    for piece in pieces:
        printer.show(TextDelta(delta=piece))
    printer.show(TurnDone(session_id="s1", output=answer))

    assert "word19999" in out.getvalue()
    assert sum(rendered) < 3 * len(answer), f"{len(rendered)} renders of {sum(rendered):,} characters for {len(answer):,}"
