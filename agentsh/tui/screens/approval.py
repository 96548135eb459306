"""The approval modal: the whole tool call, and Deny (the default) / Allow once / Always.

Only a key pressed after the question was on screen answers it (armed.py): a letter that is no
answer (any but y and n) means the user is still typing and restarts the wait. Enter answers Deny
unless the user moved to another button. "Always" has no letter: it takes moving to its button, or a click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from ...tools.approval import Decision
from ...tools.call_text import Segment, call_segments, is_compound, shown
from ..literal import literal
from .armed import WAITING_HINT, ArmedModal

if TYPE_CHECKING:
    from ...events import ApprovalRequest

ARMED_HINT = Text("Enter denies · y allows once · ↑↓ choose", "dim")
SEGMENT_STYLES = {"text": "", "key": "bold", "operator": "bold reverse yellow"}


def always_meaning(request: ApprovalRequest) -> str:
    if request.always_covers is None:
        return "This call can only be allowed once (e.g. a chained or redirected command)."
    if request.always_covers == "*":
        return f"“Always” allows every {request.name} call for the rest of this session."
    return f"“Always” allows {request.name} calls within “{request.always_covers}” for the rest of this session."


def always_label(request: ApprovalRequest) -> str | None:
    """What the "Always" button allows from now on, or None when only this call can be allowed."""
    if request.always_covers is None:
        return None
    if request.always_covers == "*":
        return f"Always allow {request.name}"
    return f"Always allow {request.name}: {request.always_covers}"


def call_text(segments: list[Segment]) -> Text:
    return Text.assemble(*((text, SEGMENT_STYLES[kind]) for text, kind in segments))


class ApprovalScreen(ArmedModal[Decision]):
    ANSWER_KEYS = frozenset({"y", "n", "enter", "escape", "up", "down", "left", "right", "tab", "shift+tab"})
    HINT_ID = "approval-hint"
    BINDINGS = [
        Binding("y", "decide('once')", "allow once"),
        Binding("n,escape", "decide('deny')", "deny"),
        Binding("up,left", "app.focus_previous", show=False),
        Binding("down,right", "app.focus_next", show=False),
    ]

    def __init__(self, request: ApprovalRequest, hand_back: Callable[[str], None] | None = None) -> None:
        super().__init__(hand_back)
        self.request = request

    def compose(self) -> ComposeResult:
        always = always_label(self.request)
        with Vertical(id="approval"):
            yield Static(self._title(), id="approval-title")
            with VerticalScroll(id="approval-call"):
                yield Static(call_text(call_segments(self.request.arguments)), id="approval-arguments")
            yield Static(literal(always_meaning(self.request), "italic"), id="approval-scope")
            yield Static(WAITING_HINT, id="approval-hint")
            with Vertical(id="approval-buttons"):
                yield Button(Content("Deny (n, Enter)"), id="deny", variant="error", compact=True)
                yield Button(Content("Allow once (y)"), id="once", variant="primary", compact=True)
                if always is not None:
                    yield Button(Content(shown(always)), id="always", variant="warning", compact=True)

    def _title(self) -> Text:
        title = Text.assemble(("Allow this tool call? ", "bold"), literal(self.request.name, "bold cyan"))
        if is_compound(self.request.arguments):
            title.append("\ncompound command: the marked parts run more programs or redirect", "yellow")
        if self.request.hints:
            title.append("\nthe tool's server says (unverified hints): ", "dim")
            title.append(literal(", ".join(self.request.hints), "dim italic"))
        return title

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#deny", Button).focus()
        self.call_after_refresh(self._fit_the_call)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_the_call)

    def _fit_the_call(self) -> None:
        """The call scrolls within what the screen leaves after the title and the answers."""
        box, call = self.query_one("#approval"), self.query_one("#approval-call")
        others = sum(child.outer_size.height + child.styles.margin.height for child in box.children if child is not call)
        room = self.size.height - box.styles.margin.height - box.gutter.height - others - call.styles.margin.height
        call.styles.max_height = max(2, room)

    def armed_hint(self) -> Text:
        return ARMED_HINT

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_decide(event.button.id or "deny")

    def action_decide(self, choice: str) -> None:
        if not self.armed or (choice == "always" and self.request.always_covers is None):
            return
        self.dismiss(Decision(choice))
