"""Case 45: every answer of the approval modal is visible and reachable, whatever the call's length.

At 80x24 the third button showed as `De`; at 50 columns only part of the first two; with a
long command no buttons at all. Now the call scrolls inside the modal and the answers stay.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui"))

from textual.widgets import Button

from agentsh.events import ApprovalRequest
from agentsh.models.scripted import ScriptedModel
from agentsh.tui.screens.approval import ApprovalScreen

from helpers import scripted_session
from tui_support import make_app, wait_for

LONG = "echo " + "word " * 80 + "&& make install"  # about 400 characters


@pytest.mark.parametrize("size", [(80, 24), (50, 20), (120, 40)])
@pytest.mark.parametrize("command", ["ls -la", LONG, "line\n" * 60])
async def test_case45_all_answers_are_on_screen(home, size, command):
    app = make_app(scripted_session(home, ScriptedModel("ok")))
    request = ApprovalRequest(id="c1", name="run_shell", arguments={"command": command}, always_covers="*")
    async with app.run_test(size=size) as pilot:
        screen = ApprovalScreen(request)
        app.push_screen(screen)
        buttons = []

        def laid_out() -> bool:
            buttons[:] = list(screen.query(Button))
            return len(buttons) == 3 and all(screen.region.contains_region(b.region) for b in buttons)

        await wait_for(pilot, laid_out, what=f"every answer on screen at {size}")
        visible = screen.region
        assert [b.id for b in buttons] == ["deny", "once", "always"]
        for button in buttons:
            region = button.region
            assert region.width and region.height, f"{button.id} has no room at {size}"
            assert visible.contains_region(region), f"{button.id} is off screen at {size}: {region} not in {visible}"
            label = str(button.label)
            assert region.width >= min(len(label), visible.width - 6), f"{button.id} is cut to {region.width} columns at {size}"
