"""/compare in the TUI: the table, each whole answer folded until opened."""

from __future__ import annotations

from textual.widgets import Collapsible

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.tui.widgets.comparison import ComparisonView

from fakeserver import Reply
from tui_support import make_app, ready, screen_text, wait_for


async def test_compare_shows_the_table_and_expands_an_answer(home):
    app = make_app(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.prompt.set_text("/compare --modes chat,reflect say [bold]hi[/bold] please")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.transcript.query(ComparisonView), timeout=10, what="the comparison")
        await pilot.pause()
        view = app.transcript.query_one(ComparisonView)
        assert [e.mode for e in view.comparison.entries] == ["chat", "reflect"]
        text = screen_text(app)
        assert "compare: say [bold]hi[/bold] please" in text
        folds = list(view.query(Collapsible))
        assert len(folds) == 2 and all(fold.collapsed for fold in folds)
        folds[1].collapsed = False
        await pilot.pause()
        assert not folds[1].collapsed
        answer = view.comparison.entries[1].output
        assert answer.split()[0] in screen_text(app)


async def test_at_50_columns_the_table_keeps_its_edge_and_each_fold_its_whole_title(home, fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_server.default_reply = Reply(text="It is 4.")
    app = make_app(Session.open(Settings(home=home, model="offline", memory={"consolidate": False})))
    async with app.run_test(size=(50, 60)) as pilot:
        await ready(pilot)
        app.prompt.set_text("/compare --modes chat,reflect --models offline,openai/fake-model what is 2+2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.transcript.query(ComparisonView), timeout=30, what="the comparison")
        await pilot.pause()
        view = app.transcript.query_one(ComparisonView)
        lines = screen_text(app).splitlines()
        folds = [line.strip() for line in lines if line.strip().startswith("▶")]
        assert folds == [f"▶ {entry.label}: the whole answer" for entry in view.comparison.entries]  # none cut at the edge
        assert all(any(entry.session_id in line for line in lines) for entry in view.comparison.entries)
        assert all(line.rstrip().endswith(("┓", "┃", "┩", "│", "┤", "┘")) for line in lines if line.strip().startswith(("┏", "│", "└")))
