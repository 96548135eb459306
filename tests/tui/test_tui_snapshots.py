"""Snapshots of the main screen, a tool call, a plan in progress, the approval modal and the
sessions screen. Everything shown is fixed: session ids, titles, times, durations, usage."""

from __future__ import annotations

import asyncio

import pytest

from agentsh.config import Settings
from agentsh.events import ApprovalRequest, Step, TextDelta, ToolCall, ToolResult, TurnDone, Usage
from agentsh.messages import Message
from agentsh.session import Session
from agentsh.tui.screens.approval import ApprovalScreen
from agentsh.tui.screens.sessions import SessionsScreen
from agentsh.tui.widgets.steps import PlanChecklist
from agentsh.tui.widgets.tool_block import ToolBlock

from tui_support import make_app, ready, wait_for

SIZE = (100, 30)
STAMP = "2025-01-02T03:04:05.000+00:00"
CONVERSATION = [
    Message(role="user", content="What is **agentsh**?"),
    Message(role="assistant", content="A terminal shell for LLM agents.\n\n- modes you can switch\n- sessions in SQLite\n- plugins as plain files"),
    Message(role="user", content="Show me `[bold]` as it is"),
    Message(role="assistant", content="Here it is, literally: [bold]not bold[/] and \x1b[2J shown, not run."),
]


def fixed_session(home, session_id: str, title: str, messages: list[Message], mode: str = "tools") -> Session:
    settings = Settings(home=home, model="offline")
    store = Session.open(settings).store
    store.create(session_id=session_id, title=title, mode=mode, model="offline", workspace="/home/ana/src/agentsh")
    store.add_messages(session_id, messages)
    store.db.execute("UPDATE sessions SET created_at = ?, updated_at = ? WHERE id = ?", [STAMP, STAMP, session_id])
    store.db.conn.commit()
    return Session.open(Settings(home=home), resume=session_id, store=store)


def replay(session: Session, events: list, hold: bool = False) -> None:
    """Make `session.send` yield `events` (then wait forever when `hold`): a turn frozen mid-way."""

    async def send(text: str, options=None):
        for event in events:
            yield event() if callable(event) else event
        if hold:
            await asyncio.Event().wait()

    session.send = send


async def start(pilot, text: str | None = None, until=None) -> None:
    await ready(pilot)
    pilot.app.prompt.cursor_blink = False
    if text is not None:
        pilot.app.prompt.set_text(text)
        await pilot.press("enter")
        await wait_for(pilot, until)
    await pilot.pause(0.2)


@pytest.fixture
def conversation(home) -> Session:
    return fixed_session(home, "5eed0000a001", "What is agentsh?", CONVERSATION)


def test_main_screen(snap_compare, conversation):
    app = make_app(conversation)
    assert snap_compare(app, terminal_size=SIZE, run_before=start)


def test_a_tool_call(snap_compare, conversation):
    replay(conversation, [
        Usage(model="offline", prompt_tokens=120, completion_tokens=8, cost=0.0),
        ToolCall(id="c1", name="calculator", arguments={"expression": "17 + 25"}),
        ToolResult(id="c1", name="calculator", ok=True, output="42", duration_ms=3.0),
        TextDelta(delta="The calculator says **42**."),
        TurnDone(session_id=conversation.id, output="The calculator says **42**."),
    ])
    app = make_app(conversation)

    async def run_before(pilot):
        await start(pilot, "use the calculator to add 17 and 25", until=lambda: not app.runner.busy)
        app.query_one(ToolBlock).collapsed = False
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_a_plan_in_progress(snap_compare, home):
    session = fixed_session(home, "5eed0000b002", "Plan a trip", [], mode="planner")
    tasks = [
        {"id": "flights", "description": "find flights to Lisbon", "depends_on": [], "agent": "researcher", "status": "pending"},
        {"id": "hotel", "description": "book a hotel near the river", "depends_on": [], "agent": "researcher", "status": "pending"},
        {"id": "plan", "description": "write the day-by-day plan", "depends_on": ["flights", "hotel"], "agent": "writer", "status": "pending"},
    ]
    replay(session, [
        Step(kind="plan", title="a weekend in Lisbon", data={"tasks": tasks}),
        Step(kind="task", title="find flights to Lisbon", status="running", data={"id": "flights", "agent": "researcher"}),
        Step(kind="task", title="book a hotel near the river", status="running", data={"id": "hotel", "agent": "researcher"}),
        Step(kind="task", title="find flights to Lisbon", status="done", data={"id": "flights", "result": "TP 1351, Friday 08:10"}),
    ], hold=True)
    app = make_app(session)

    async def run_before(pilot):
        await start(pilot, "plan a weekend in Lisbon", until=lambda: app.query(PlanChecklist) and app.query_one(PlanChecklist).status_of("flights") == "done")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_approval_modal(snap_compare, conversation):
    replay(conversation, [
        ToolCall(id="s1", name="shell", arguments={"command": "rm -rf build/ && make"}),
        lambda: ApprovalRequest(id="s1", name="shell", arguments={"command": "rm -rf build/ && make"}, always_covers="rm",
                                decision=asyncio.get_running_loop().create_future()),
    ], hold=True)
    app = make_app(conversation)

    async def run_before(pilot):
        await start(pilot, "clean and build", until=lambda: isinstance(app.screen, ApprovalScreen) and app.screen.armed)
        await pilot.pause(0.3)  # the hint says it takes answers

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_sessions_screen(snap_compare, home):
    for index, title in enumerate(["Refactor the parser", "Lisbon weekend", "Why is the build slow?"]):
        fixed_session(home, f"5eed0000c00{index}", title, [Message(role="user", content=title)])
    current = fixed_session(home, "5eed0000c009", "What is agentsh?", CONVERSATION)
    app = make_app(current)

    async def run_before(pilot):
        await start(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen))
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
