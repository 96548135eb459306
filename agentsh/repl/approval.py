"""An approval as a single-key question: [y] once, [a] always (when it can cover more), [n] deny.

Enter denies, so a stray Enter never runs anything. Keys typed before the question
appeared are set aside and given back afterwards: type-ahead meant for the next
prompt must not answer an approval, and no key answers until the keyboard has been quiet
for ARMING_DELAY since the question appeared (each key typed before that restarts the wait).
"Always" takes two keys: [a], then [y] to confirm what it covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prompt_toolkit.application import Application
from prompt_toolkit.filters import Condition
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output import Output

from ..events import ApprovalRequest
from ..terminal import neutralize
from ..tools.approval import Decision
from ..tools.call_text import shown

ARMING_DELAY = 0.6  # seconds, as in the app


def always_text(request: ApprovalRequest) -> str | None:
    """What "always" would allow, or None when this call can only be allowed once."""
    if request.always_covers is None:
        return None
    if request.always_covers == "*":
        return f"always allow {request.name} in this session"
    return f"always allow {request.name} for {shown(request.always_covers)!r}"


def choices_text(request: ApprovalRequest) -> str:
    always = always_text(request)
    parts = ["[n] deny (Enter)", "[y] allow once", f"[a] {always}…" if always else None]
    return "  " + " · ".join(p for p in parts if p) + " "


def confirm_text(request: ApprovalRequest) -> str:
    return f"  {always_text(request)}? [y] yes, from now on · any other key: back "


def decision_text(decision: Decision | None) -> str:
    texts: dict[Decision | None, str] = {
        Decision.ONCE: "  allowed once", Decision.ALWAYS: "  allowed from now on", Decision.DENY: "  denied",
    }
    return texts.get(decision, "  denied, and the turn is stopped")


class _Question:
    """Which of the two questions is showing, and whether keys may answer yet."""

    def __init__(self, request: ApprovalRequest) -> None:
        self.request = request
        self.confirming = False
        self.shown_at = time.monotonic()

    def restart_wait(self) -> None:
        self.shown_at = time.monotonic()

    def armed(self) -> bool:
        return time.monotonic() - self.shown_at >= ARMING_DELAY

    def text(self) -> str:
        return neutralize(confirm_text(self.request) if self.confirming else choices_text(self.request))


def _bindings(question: _Question) -> KeyBindings:
    bindings = KeyBindings()
    armed = Condition(question.armed)
    confirming = Condition(lambda: question.confirming)
    answers: dict[str, Decision | None] = {"y": Decision.ONCE, "n": Decision.DENY, "enter": Decision.DENY, "c-d": Decision.DENY}
    for key, decision in answers.items():
        for variant in {key, key.upper()} if len(key) == 1 else {key}:
            bindings.add(variant, filter=armed & ~confirming)(_answer(decision))
    bindings.add("c-c")(_answer(None))
    if question.request.always_covers is not None:
        for variant in ("a", "A"):
            bindings.add(variant, filter=armed & ~confirming)(lambda event: setattr(question, "confirming", True))
        for variant in ("y", "Y"):
            bindings.add(variant, filter=armed & confirming)(_answer(Decision.ALWAYS))
        bindings.add("<any>", filter=confirming)(lambda event: setattr(question, "confirming", False))
    bindings.add("<any>", filter=~armed)(lambda event: question.restart_wait())
    bindings.add("<any>", filter=armed & ~confirming)(lambda event: question.restart_wait())  # still typing
    return bindings


def _answer(decision: Decision | None) -> Callable[[KeyPressEvent], None]:
    def handle(event: KeyPressEvent) -> None:
        event.app.exit(result=decision)

    return handle


async def ask_decision(request: ApprovalRequest, keyboard: Input, screen: Output, started: Callable[[], None]) -> Decision | None:
    """The user's answer; None for Ctrl+C (the caller then stops the turn)."""
    question = _Question(request)
    control = FormattedTextControl(question.text)
    app: Application[Decision | None] = Application(
        layout=Layout(Window(control, wrap_lines=True, dont_extend_height=True)),
        key_bindings=_bindings(question), input=keyboard, output=screen, erase_when_done=True,
    )
    earlier = get_typeahead(keyboard)

    def shown_now() -> None:
        question.shown_at = time.monotonic()
        started()

    try:
        return await app.run_async(pre_run=shown_now, handle_sigint=False)
    finally:
        store_typeahead(keyboard, earlier + get_typeahead(keyboard))
