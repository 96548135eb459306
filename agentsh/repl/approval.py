"""An approval as a single-key question: [y] once, [a] always (when it can cover more), [n] deny.

Enter denies, so a stray Enter never runs anything. Keys typed before the question
appeared are set aside and given back afterwards: type-ahead meant for the next
prompt must not answer an approval.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application import Application
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output import Output

from ..events import ApprovalRequest
from ..terminal import neutralize
from ..tools.approval import Decision


def always_text(request: ApprovalRequest) -> str | None:
    """What "always" would allow, or None when this call can only be allowed once."""
    if request.always_covers is None:
        return None
    if request.always_covers == "*":
        return f"always allow {request.name} in this session"
    return f"always allow {request.name} for {request.always_covers!r}"


def choices_text(request: ApprovalRequest) -> str:
    always = always_text(request)
    parts = ["[y] allow once", f"[a] {always}" if always else None, "[n] deny (Enter)"]
    return "  " + " · ".join(p for p in parts if p) + " "


def decision_text(decision: Decision | None) -> str:
    texts: dict[Decision | None, str] = {
        Decision.ONCE: "  allowed once", Decision.ALWAYS: "  allowed from now on", Decision.DENY: "  denied",
    }
    return texts.get(decision, "  denied, and the turn is stopped")


def _bindings(allow_always: bool) -> KeyBindings:
    bindings = KeyBindings()
    answers: dict[str, Decision | None] = {"y": Decision.ONCE, "n": Decision.DENY, "enter": Decision.DENY, "c-d": Decision.DENY, "c-c": None}
    if allow_always:
        answers["a"] = Decision.ALWAYS
    for key, decision in answers.items():
        for variant in {key, key.upper()} if len(key) == 1 else {key}:
            bindings.add(variant)(_answer(decision))
    return bindings


def _answer(decision: Decision | None) -> Callable[[KeyPressEvent], None]:
    def handle(event: KeyPressEvent) -> None:
        event.app.exit(result=decision)

    return handle


async def ask_decision(request: ApprovalRequest, keyboard: Input, screen: Output, started: Callable[[], None]) -> Decision | None:
    """The user's answer; None for Ctrl+C (the caller then stops the turn)."""
    control = FormattedTextControl(neutralize(choices_text(request)))
    app: Application[Decision | None] = Application(
        layout=Layout(Window(control, wrap_lines=True, dont_extend_height=True)),
        key_bindings=_bindings(request.always_covers is not None), input=keyboard, output=screen, erase_when_done=True,
    )
    earlier = get_typeahead(keyboard)
    try:
        return await app.run_async(pre_run=started, handle_sigint=False)
    finally:
        store_typeahead(keyboard, earlier + get_typeahead(keyboard))
