"""/compare in the TUI: the table, each whole answer folded until opened."""

from __future__ import annotations

from textual.widgets import Collapsible

from agentsh.config import Settings
from agentsh.session import Session
from agentsh.tui.widgets.comparison import ComparisonView

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
