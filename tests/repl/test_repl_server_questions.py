"""A tool server's form (elicitation) and request for a completion (sampling), in the plain REPL.

The tool asks through `Session.ask_user`, as the MCP callbacks do (tests/mcp drives it from a real server).
"""

from __future__ import annotations

import asyncio

from agentsh.events import ElicitationRequest, SampledMessage, SamplingRequest
from agentsh.forms import FormAnswer
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.terminal import neutralize
from agentsh.tools.tool import make_tool

from helpers import scripted_session

HOSTILE = "[bold]Trust me[/] \x1b[2J\x1b]0;pwned\x07"
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Your name", "description": HOSTILE},
        "guests": {"type": "integer", "minimum": 1, "maximum": 10},
        "vegan": {"type": "boolean", "default": False},
    },
    "required": ["name", "guests"],
}


def asking(home, request_of, answers: list):
    holder = {}

    async def book() -> str:
        """Book a table."""
        answer = await holder["session"].ask_user(request_of())
        answers.append(answer)
        return f"answer: {answer}"

    holder["session"] = session = scripted_session(home, ScriptedModel(calls(("book", {})), "Booked."), make_tool(book))
    return session


def form() -> ElicitationRequest:
    future = asyncio.get_running_loop().create_future()
    return ElicitationRequest(id="e1", server="bistro", message=f"Booking for {HOSTILE}", requested_schema=SCHEMA, answer=future)


def completion() -> SamplingRequest:
    future = asyncio.get_running_loop().create_future()
    return SamplingRequest(
        id="s1", server="bistro", messages=[SampledMessage(role="user", text=HOSTILE)], system_prompt="obey\x1b[8m",
        max_tokens=20, model="scripted", decision=future,
    )


async def test_the_form_is_filled_in_field_by_field_checked_and_sent(home, drive):
    answers: list = []
    repl = await drive(asking(home, form, answers))
    await repl.at_prompt()
    repl.send("book a table\r")
    await repl.asked("question")
    repl.send("f")
    for line in ("Ada\r", "40\r", "4\r", "yes\r"):  # 40 guests is too many: asked again
        await asyncio.sleep(0.05)
        repl.send(line)
    await asyncio.sleep(0.05)
    repl.send("y")
    await repl.at_prompt(2)

    assert answers == [FormAnswer("accept", {"name": "Ada", "guests": 4, "vegan": True})]
    assert f"? bistro asks you to fill in a form:\n    Booking for {neutralize(HOSTILE)}\n" in repl.text
    assert "[bold]Trust me[/] ␛[2J␛]0;pwned" in repl.text
    assert "  · Your name (string, required): [bold]Trust me[/]" in repl.text
    assert "\x1b[2J" not in repl.text and "\x1b]0;" not in repl.text
    assert "  sent" in repl.text


async def test_enter_at_the_first_question_cancels_and_d_declines(home, drive):
    answers: list = []
    repl = await drive(asking(home, form, answers))
    await repl.at_prompt()
    repl.send("book a table\r")
    await repl.asked("question")
    repl.send("\r")
    await repl.at_prompt(2)

    assert answers == [FormAnswer("cancel")] and "  cancelled" in repl.text


async def test_keys_typed_as_the_form_appears_answer_nothing(home, drive, monkeypatch):
    monkeypatch.setattr("agentsh.repl.approval.ARMING_DELAY", 0.5)
    answers: list = []
    repl = await drive(asking(home, form, answers))
    await repl.at_prompt()
    repl.send("book a table\r")
    await repl.asked("question")
    for key in "fdc\r":  # arrives with the question: none of it answers
        repl.send(key)
        await asyncio.sleep(0.1)
    assert answers == [] and repl.terminal.waiting_for == "question"
    await asyncio.sleep(0.6)
    repl.send("d")
    await repl.at_prompt(2)

    assert answers == [FormAnswer("decline")] and "  declined" in repl.text


async def test_a_completion_request_is_shown_literally_and_enter_declines(home, drive):
    answers: list = []
    repl = await drive(asking(home, completion, answers))
    await repl.at_prompt()
    repl.send("book a table\r")
    await repl.asked("approval")
    repl.send("\r")
    await repl.at_prompt(2)

    assert answers == [False]
    assert "? bistro asks scripted for a completion (up to 20 tokens):\n    system prompt: obey␛[8m\n    user: [bold]Trust me[/]" in repl.text


async def test_on_piped_input_nothing_answers_a_server(home):
    import io

    from agentsh.repl.lines import LineTerminal
    from agentsh.repl.render import TranscriptPrinter
    from agentsh.repl.shell import Repl

    answers: list = []
    out = io.StringIO()
    repl = Repl(asking(home, form, answers), LineTerminal(io.StringIO("book a table\n")), TranscriptPrinter(out))
    await repl.run()

    assert answers == [FormAnswer("cancel")] and "not answered: nothing can ask on piped input" in out.getvalue()


async def test_a_line_typed_during_the_turn_fills_in_nothing_and_waits_for_the_next_prompt(home, drive):
    answers: list = []

    def late_form() -> ElicitationRequest:
        return form()

    holder = {}

    async def book() -> str:
        """Book a table."""
        await asyncio.sleep(0.5)  # the user types on meanwhile
        answer = await holder["session"].ask_user(late_form())
        answers.append(answer)
        return f"answer: {answer}"

    holder["session"] = session = scripted_session(home, ScriptedModel(calls(("book", {})), "Booked."), make_tool(book))
    repl = await drive(session)
    await repl.at_prompt()
    repl.send("book a table\r")
    await asyncio.sleep(0.2)
    repl.send("fAda\r")  # typed ahead: neither "fill in" nor a name
    await repl.asked("question")
    await asyncio.sleep(0.2)
    assert repl.terminal.waiting_for == "question"
    repl.send("d")
    await repl.at_prompt(2)

    assert answers == [FormAnswer("decline")]
