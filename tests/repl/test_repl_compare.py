"""/compare in the REPL: the table after every combination has answered, each a fork of this session."""

from __future__ import annotations

from agentsh.config import Settings
from agentsh.session import Session


async def test_compare_prints_the_table_and_each_fork_can_be_resumed(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})))
    await repl.submit("hello")
    printed = await repl.submit("/compare --modes chat,reflect what is [b]2+2[/b]")
    assert "comparing chat · offline, reflect · offline" in printed
    assert "compare:" in printed and "chat · offline" in printed and "reflect · offline" in printed
    assert "continue one with /resume SESSION" in printed
    forks = [s for s in repl.session.recent_sessions(10) if s.parent_id == repl.session.id]
    assert sorted(f.mode for f in forks) == ["chat", "reflect"]
    printed = await repl.submit(f"/resume {forks[0].id}")
    assert repl.session.id == forks[0].id


async def test_compare_without_a_request_says_how_to_use_it(home, drive):
    repl = await drive(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})))
    printed = await repl.submit("/compare --modes chat,reflect")
    assert "what should be compared? use /compare --modes A,B" in printed
