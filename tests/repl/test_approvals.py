"""Approvals as a single-key question: once, always (a, then y), deny; Ctrl+C; type-ahead never answers.

These tests answer at once (the REPL conftest sets no arming delay); case 43 tests the delay.
"""

from __future__ import annotations

import asyncio

from agentsh import tool
from agentsh.events import ApprovalRequest
from agentsh.models.scripted import ScriptedModel, calls
from agentsh.repl.approval import always_text, choices_text

from helpers import scripted_session


def launcher(launched: list[str]):
    @tool(requires_approval=True)
    def launch(target: str) -> str:
        """Launch a rocket at a target."""
        launched.append(target)
        return f"launched at {target}"

    return launch


def launch_then(answer: str) -> list:
    return [calls(("launch", {"target": "moon"})), answer]


async def answer_approval(repl, line: str, key: str) -> str:
    """Submit `line`, answer the approval it raises with `key`, return what was printed."""
    await repl.at_prompt()
    before, count = len(repl.text), repl.prompts
    repl.send(line + "\r")
    await repl.asked("approval")
    assert '⚙ launch(target="moon") \n? launch needs your approval for this call:\n    target: moon\n' in repl.text[before:]
    repl.send(key)
    await repl.at_prompt(count + 1)
    return repl.text[before:]


async def test_allow_once_then_always_then_no_question(home, drive):
    launched: list[str] = []
    model = ScriptedModel(*launch_then("one"), *launch_then("two"), *launch_then("three"))
    repl = await drive(scripted_session(home, model, launcher(launched)))

    printed = await answer_approval(repl, "launch it", "y")
    assert "allowed once" in printed and "launched at moon" in printed
    assert launched == ["moon"]

    printed = await answer_approval(repl, "again", "ay")  # once did not cover this call; always is a, then y
    assert "allowed from now on" in printed
    assert launched == ["moon", "moon"]

    printed = await repl.submit("and again")  # always did
    assert "needs your approval" not in printed and "launched at moon" in printed
    assert launched == ["moon", "moon", "moon"]


async def test_deny_refuses_the_call_and_the_model_reads_why(home, drive):
    launched: list[str] = []
    model = ScriptedModel(*launch_then("understood"))
    repl = await drive(scripted_session(home, model, launcher(launched)))

    printed = await answer_approval(repl, "launch it", "n")

    assert launched == []
    assert "  denied" in printed and "launch(target=\"moon\") → error" in printed
    assert "the user denied this call" in model.requests[1].messages[-1].content


async def test_enter_denies(home, drive):
    launched: list[str] = []
    repl = await drive(scripted_session(home, ScriptedModel(*launch_then("ok")), launcher(launched)))

    assert "  denied" in await answer_approval(repl, "launch it", "\r")
    assert launched == []


async def test_ctrl_c_at_the_question_denies_and_stops_the_turn(home, drive):
    launched: list[str] = []
    repl = await drive(scripted_session(home, ScriptedModel(*launch_then("never said")), launcher(launched)))

    printed = await answer_approval(repl, "launch it", "\x03")

    assert launched == []
    assert "denied, and the turn is stopped" in printed and "■ interrupted" in printed
    assert "never said" not in printed


async def test_keys_typed_before_the_question_do_not_answer_it(home, drive):
    """Type-ahead ("yes please" for the next prompt) must not approve; it waits for the prompt."""
    launched: list[str] = []
    model = ScriptedModel(*launch_then("ok"), "next answer")
    repl = await drive(scripted_session(home, model, launcher(launched)))

    await repl.at_prompt()
    repl.send("launch it\ryes please")
    await repl.asked("approval")
    repl.send("n")
    await repl.at_prompt(2)

    assert launched == [] and "  denied" in repl.text
    assert repl.terminal.prompt.default_buffer.text == "yes please"
    await repl.submit("")
    assert model.requests[-1].messages[-1].content == "yes please"


def test_always_says_what_it_covers():
    def request(scope):
        return ApprovalRequest(id="1", name="run_shell", arguments={"command": "ls -l"}, always_covers=scope)

    assert always_text(request("*")) == "always allow run_shell in this session"
    assert always_text(request("ls")) == "always allow run_shell for 'ls'"
    assert always_text(request(None)) is None
    assert "[a]" not in choices_text(request(None)) and "[a]" in choices_text(request("ls"))


async def test_a_call_that_can_only_be_allowed_once_ignores_a(home, drive):
    launched: list[str] = []

    @tool(requires_approval=True, approval_scope=lambda arguments: None)
    def launch(target: str) -> str:
        """Launch a rocket at a target."""
        launched.append(target)
        return "done"

    repl = await drive(scripted_session(home, ScriptedModel(*launch_then("ok")), launch))
    await repl.at_prompt()
    repl.send("launch it\r")
    await repl.asked("approval")
    repl.send("a")  # not an answer here
    repl.send("y")
    await repl.at_prompt(2)
    assert launched == ["moon"] and "allowed once" in repl.text


async def test_keys_typed_as_the_question_appears_do_not_answer_it(home, drive, monkeypatch):
    """Case 43 in the plain REPL: until the keyboard has been quiet for a moment, no key answers."""
    monkeypatch.setattr("agentsh.repl.approval.ARMING_DELAY", 0.5)
    launched: list[str] = []
    repl = await drive(scripted_session(home, ScriptedModel(*launch_then("ok")), launcher(launched)))
    await repl.at_prompt()
    repl.send("launch it\r")
    await repl.asked("approval")
    for key in "yay":  # arrives with the question: neither once nor always
        repl.send(key)
        await asyncio.sleep(0.1)
    assert launched == [] and repl.terminal.waiting_for == "approval"
    await asyncio.sleep(0.6)
    repl.send("y")
    await repl.at_prompt(2)
    assert launched == ["moon"] and "allowed once" in repl.text
