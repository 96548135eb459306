"""How events become lines: tool calls, mode steps, notices, memory, endings."""

from __future__ import annotations

import io

from agentsh.events import (
    Compaction,
    Error,
    MemoryRecall,
    Notice,
    RecalledMemory,
    SessionInfo,
    Step,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnDone,
)
from agentsh.repl.render import TranscriptPrinter, format_arguments
from agentsh.repl.shell import toolbar_cost
from agentsh.repl.steps import first_line, step_lines
from agentsh.text import format_duration


def shown(*events) -> str:
    out = io.StringIO()
    transcript = TranscriptPrinter(out)
    for event in events:
        transcript.show(event)
    return out.getvalue()


def call(id: str, name: str = "calculator", agent: str | None = None) -> ToolCall:
    return ToolCall(id=id, name=name, arguments={"expression": "1+1"}, agent=agent)


def result(id: str, ok: bool = True, output: str = "2", name: str = "calculator") -> ToolResult:
    return ToolResult(id=id, name=name, ok=ok, output=output, duration_ms=1234.5)


def done(**flags) -> TurnDone:
    return TurnDone(session_id="s", output=flags.pop("output", ""), **flags)


def test_a_call_and_its_result_share_one_line_after_streamed_text():
    text = shown(TextDelta(delta="Let me count."), call("a"), result("a"), TextDelta(delta="It is 2."), done())
    assert text == 'Let me count.\n⚙ calculator(expression="1+1") → ok 1.2 s: 2\nIt is 2.\n'


def test_concurrent_calls_each_get_a_complete_line():
    text = shown(call("a"), call("b", "weather"), result("a"), result("b", ok=False, output="Error: no\nmore", name="weather"))
    lines = text.splitlines()
    assert lines[-2] == '⚙ calculator(expression="1+1") → ok 1.2 s: 2'
    assert lines[-1] == '⚙ weather(expression="1+1") → error 1.2 s: Error: no …'


def test_sub_agent_text_is_left_to_its_steps_and_its_calls_are_labelled():
    text = shown(TextDelta(delta="draft", agent="critic"), call("a", agent="critic"), result("a"))
    assert "draft" not in text and text.startswith("⚙ [critic] calculator(")


def test_an_answer_that_was_not_streamed_is_printed_at_the_end():
    assert shown(SessionInfo(session_id="s", mode="m", model="x"), done(output="whole answer")) == "whole answer\n"
    assert shown(TextDelta(delta="streamed"), done(output="streamed")) == "streamed\n"


def test_endings_notices_errors_memory_and_compaction():
    assert "■ interrupted: the partial answer is kept" in shown(TextDelta(delta="part"), done(interrupted=True))
    assert "cut short by the step limit" in shown(done(output="x", step_limited=True))
    assert shown(Notice(message="weather.py: 1 tool loaded")) == "· weather.py: 1 tool loaded\n"
    assert shown(Notice(message="retrying", level="warning")) == "! retrying\n"
    assert shown(Error(message="the provider is down")) == "error: the provider is down\n"
    memories = [RecalledMemory(id=i, text=f"fact {i}") for i in range(5)]
    assert shown(MemoryRecall(memories=memories)) == "· recalled 5 memories: fact 0; fact 1; fact 2; …\n"
    assert shown(MemoryRecall(memories=memories[:1])) == "· recalled 1 memory: fact 0\n"
    compaction = Compaction(messages=8, tokens_before=5000, tokens_after=900, summary="s")
    assert shown(compaction) == "· compacted 8 earlier messages into a summary: 5000 → 900 tokens\n"


def test_a_plan_lists_its_tasks_and_tasks_report_their_progress():
    tasks = [
        {"id": "t1", "description": "read the file", "depends_on": [], "agent": "assistant", "status": "done"},
        {"id": "t2", "description": "fix the bug", "depends_on": ["t1"], "agent": "coder", "status": "pending"},
    ]
    assert step_lines(Step(kind="plan", title="fix it", data={"tasks": tasks})) == [
        "• plan: fix it",
        "    ✓ t1  read the file  (assistant)",
        "    ○ t2  fix the bug  (coder, after t1)",
    ]
    failed = Step(kind="task", title="fix the bug", status="failed", data={"id": "t2", "error": "no such file\ntrace"})
    assert step_lines(failed) == ["✗ task t2: fix the bug — no such file …"]
    same = Step(kind="task", title="do it", status="running", data={"id": "do it"})
    assert step_lines(same) == ["▸ task: do it"]


def test_other_modes_steps_are_one_line_each():
    assert step_lines(Step(kind="route", title="coder", status="done", data={"reason": "about code"})) == ["✓ route: coder — about code"]
    critique = Step(kind="critique", title="round 1: revise", status="revise", data={"feedback": "say why"})
    assert step_lines(critique) == ["↻ critique: round 1: revise — say why"]
    assert step_lines(Step(kind="manager", title="manager", status="done", data={"delegations": 3})) == ["✓ manager: manager — 3 delegations"]
    assert step_lines(Step(kind="manager", title="manager", status="done", data={"delegations": 1})) == ["✓ manager: manager — 1 delegation"]
    assert step_lines(Step(kind="round", title="round 2", status="done", data={"answers": {}})) == ["✓ round: round 2"]
    assert step_lines(Step(kind="gate", title="tests", status="passed", data={"reason": None})) == ["✓ gate: tests"]


def test_formatting_helpers():
    assert format_arguments({"a": 1, "b": "x y"}) == 'a=1, b="x y"'
    assert len(format_arguments({"text": "z" * 500})) == 80
    assert format_arguments("raw\n  text") == "raw text"
    assert format_duration(3.4) == "3 ms" and format_duration(61000) == "61.0 s"
    assert first_line("\n\n  first \nsecond", 100) == "first …"
    assert first_line("x" * 20, 10) == "x" * 9 + "…"


def test_costs_in_the_toolbar_stay_readable():
    assert toolbar_cost(0.01234) == "$0.0123" and toolbar_cost(0.0000035) == "$0.0000035"  # as the app's header says
    assert toolbar_cost(None) == "cost unknown" and toolbar_cost(0.0) == ""
