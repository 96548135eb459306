"""Long answers: cut into Markdown segments at paragraph breaks (never inside a code fence),
grouped into few widgets, streamed without losing or repeating a character."""

from __future__ import annotations

from textual.widgets import Markdown

from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.tui.widgets.answer import GROUP, SEGMENT_CHARS, AssistantMessage, Segments, split_segments

from helpers import scripted_session
from tui_support import make_app, of_type, ready, screen_text, send


def paragraphs(count: int, words: int = 60) -> str:
    return "".join(f"Paragraph {i}: " + "word " * words + "\n\n" for i in range(count))


def test_segments_end_at_paragraph_breaks_and_keep_every_character():
    text = paragraphs(100)
    segments = split_segments(text)
    assert "".join(segments) == text
    assert len(segments) > 5
    assert all(s.endswith("\n\n") for s in segments[:-1])
    assert all(len(s) >= SEGMENT_CHARS for s in segments[:-1])


def test_a_code_fence_is_never_cut():
    code = "```python\n" + "".join(f"x = {i}\n\n" for i in range(800)) + "```\n\n"
    text = "intro\n\n" + code + paragraphs(50)
    segments = split_segments(text)
    assert "".join(segments) == text
    assert all(s.count("```") % 2 == 0 for s in segments)


async def test_a_long_streamed_answer_ends_as_a_few_static_groups(home):
    text = paragraphs(400, words=40)  # ~100 KB
    session = scripted_session(home, ScriptedModel(Reply(text=text, chunk=400)))
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send(pilot, "write a lot")
        [answer] = of_type(app, AssistantMessage)
        assert answer.source == text
        groups = list(answer.query(Segments))
        assert len(groups) <= len(split_segments(text)) // GROUP + 2
        assert sum(len(group.rendered) for group in groups) == len(split_segments(text))
        assert not answer.query(Markdown)
        assert "Paragraph 399:" in screen_text(app)
