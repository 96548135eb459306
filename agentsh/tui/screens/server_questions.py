"""What a tool server asks the user: a form to fill in (elicitation), or a completion by the model (sampling).

Both are the server's words, shown literally. As with approvals, only keys pressed after the question
was on screen answer it: until the keyboard has been quiet for ARMING_DELAY after it opens, keys go
back to the input they were typed for (a letter restarts the wait), so a sentence typed through a slow
turn never fills in a field, presses a button or sends the form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch

from ...events import ElicitationRequest, SamplingRequest
from ...forms import FormAnswer, FormError, FormField, check_answers, form_fields
from ..literal import literal
from .armed import WAITING_HINT, ArmedModal


class ElicitationScreen(ArmedModal[FormAnswer]):
    """A form built from the server's schema: Send (checked first), Decline, or Esc to cancel."""

    BINDINGS = [Binding("escape", "answer('cancel')", "cancel")]
    AUTO_FOCUS = None
    was_armed = False

    def __init__(self, request: ElicitationRequest, hand_back: Callable[[str], None] | None = None) -> None:
        super().__init__(hand_back)
        self.request = request
        self.fields = form_fields(request.requested_schema)

    def takes(self, event: events.Key) -> bool:
        return True  # armed, the form is typed into like any other

    def armed_hint(self) -> Text:
        return Text("Tab moves between fields · Send checks and sends · Esc cancels", "dim")

    def compose(self) -> ComposeResult:
        with Vertical(id="question"):
            yield Static(Text.assemble(literal(self.request.server, "bold cyan"), (" asks you to fill in a form", "bold")))
            with VerticalScroll(id="question-body"):
                yield Static(literal(self.request.message), id="question-message")
                for index, item in enumerate(self.fields):
                    yield from _field_widgets(index, item)
            yield Static(WAITING_HINT, id="question-hint")
            yield Static("", id="question-error")
            with Horizontal(id="question-buttons"):
                yield Button(Content("Send"), id="accept", variant="primary", compact=True)
                yield Button(Content("Decline"), id="decline", variant="error", compact=True)
                yield Button(Content("Cancel (Esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#cancel", Button).focus()  # a focused field would take the keys typed on as the form opened

    def _show_armed(self) -> None:
        super()._show_armed()
        if self.armed and not self.was_armed:
            self.was_armed = True
            first = self.query(".form-value").first() if self.fields else self.query_one("#accept")
            first.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field; it never sends the form by itself."""
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id or "cancel")

    def action_answer(self, action: str) -> None:
        if not self.armed:
            return
        if action != "accept":
            self.dismiss(FormAnswer("decline" if action == "decline" else "cancel"))
            return
        try:
            content = check_answers(self.fields, self._values())
        except FormError as problem:
            self.query_one("#question-error", Static).update(literal(str(problem), "bold red"))
            return
        self.dismiss(FormAnswer("accept", content))

    def _values(self) -> dict[str, Any]:
        values = {}
        for index, item in enumerate(self.fields):
            widget = self.query_one(f"#field-{index}")
            if isinstance(widget, Input):
                values[item.name] = item.parse(widget.value)
            elif isinstance(widget, Switch):
                values[item.name] = widget.value
            elif isinstance(widget, Select):
                values[item.name] = None if widget.is_blank() else widget.value
        return values


def _field_widgets(index: int, item: FormField) -> list[Widget]:
    label = Text.assemble(literal(item.title, "bold"), literal(f"  ({item.hint()})", "dim"))  # the hint quotes choice labels
    widgets: list[Widget] = [Static(label, classes="form-label")]
    if item.description:
        widgets.append(Static(literal(item.description, "italic"), classes="form-description"))
    widgets.append(_value_widget(index, item))
    return widgets


def _value_widget(index: int, item: FormField) -> Widget:
    name = f"field-{index}"
    if item.kind == "boolean":
        return Switch(value=bool(item.default), id=name, classes="form-value")
    if item.kind == "choice":
        options = [(literal(choice.label), choice.value) for choice in item.choices]
        return Select(options, value=item.default if item.default is not None else Select.NULL, id=name, classes="form-value")
    shown = "" if item.default is None else str(item.default)
    return Input(value=shown, id=name, classes="form-value", select_on_focus=False)


class SamplingScreen(ArmedModal[bool]):
    """The server's messages and system prompt, literally; Decline (the default, Enter, n) or Allow (y)."""

    ANSWER_KEYS = frozenset({"y", "n", "enter", "escape", "up", "down", "left", "right", "tab", "shift+tab"})
    BINDINGS = [
        Binding("y", "answer(True)", "allow"),
        Binding("n,escape", "answer(False)", "decline"),
        Binding("up,left", "app.focus_previous", show=False),
        Binding("down,right", "app.focus_next", show=False),
    ]

    def __init__(self, request: SamplingRequest, hand_back: Callable[[str], None] | None = None) -> None:
        super().__init__(hand_back)
        self.request = request

    def armed_hint(self) -> Text:
        return Text("Enter declines · y lets the model answer", "dim")

    def compose(self) -> ComposeResult:
        request = self.request
        title = Text.assemble(literal(request.server, "bold cyan"), (" asks ", "bold"), literal(request.model or "the model", "bold"),
                              (f" for a completion (up to {request.max_tokens} tokens)", "bold"))
        with Vertical(id="question"):
            yield Static(title)
            with VerticalScroll(id="question-body"):
                if request.system_prompt:
                    yield Static(Text.assemble(("system prompt: ", "bold"), literal(request.system_prompt)))
                for message in request.messages:
                    yield Static(Text.assemble((f"{message.role}: ", "bold"), literal(message.text)), classes="sampled")
            yield Static(WAITING_HINT, id="question-hint")
            with Horizontal(id="question-buttons"):
                yield Button(Content("Decline (n, Enter)"), id="decline", variant="error", compact=True)
                yield Button(Content("Allow (y)"), id="allow", variant="primary", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#decline", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "allow")

    def action_answer(self, allow: bool) -> None:
        if self.armed:
            self.dismiss(bool(allow))


def server_question(
    request: ElicitationRequest | SamplingRequest, hand_back: Callable[[str], None], warn: Callable[[str, SeverityLevel], None],
) -> ArmedModal | None:
    """The modal for a server's question; None (and the question cancelled, the user told) when no form fits it."""
    if isinstance(request, SamplingRequest):
        return SamplingScreen(request, hand_back)
    try:
        return ElicitationScreen(request, hand_back)
    except FormError as problem:
        warn(f"{request.server} asked for a form agentsh cannot show: {problem}", "warning")
        answer_of(request, None)
        return None


def answer_of(request: ElicitationRequest | SamplingRequest, answer: object) -> None:
    """Hand the modal's answer to whoever asked; no answer (the turn ended, the modal was closed) cancels or declines."""
    future = request.answer if isinstance(request, ElicitationRequest) else request.decision
    value: object = answer is True
    if isinstance(request, ElicitationRequest):
        value = answer if isinstance(answer, FormAnswer) else FormAnswer("cancel")
    if future is not None and not future.done():
        future.set_result(value)
