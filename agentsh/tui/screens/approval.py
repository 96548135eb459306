"""The approval modal: the exact tool call, and Allow once / Always (saying what it covers) / Deny."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...tools.approval import Decision
from ..literal import arguments_text, literal

if TYPE_CHECKING:
    from ...events import ApprovalRequest


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


class ApprovalScreen(ModalScreen[Decision]):
    BINDINGS = [
        Binding("y,o", "decide('once')", "allow once"),
        Binding("a", "decide('always')", "always"),
        Binding("n,d,escape", "decide('deny')", "deny"),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        always = always_label(self.request)
        with Vertical(id="approval"):
            yield Static(Text.assemble(("Allow this tool call?", "bold"), "\n", literal(self.request.name, "bold cyan")), id="approval-title")
            with VerticalScroll(id="approval-call"):
                yield Static(literal(arguments_text(self.request.arguments, indent=2)), id="approval-arguments")
            yield Static(literal(always_meaning(self.request), "italic"), id="approval-scope")
            with Horizontal(id="approval-buttons"):
                yield Button(Content("Allow once (y)"), id="once", variant="primary")
                if always is not None:
                    yield Button(Content(f"{always} (a)"), id="always", variant="warning")
                yield Button(Content("Deny (n)"), id="deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#once", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_decide(event.button.id or "deny")

    def action_decide(self, choice: str) -> None:
        if choice == "always" and self.request.always_covers is None:
            return
        self.dismiss(Decision(choice))
