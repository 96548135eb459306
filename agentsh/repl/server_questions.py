"""What a tool server asks, in the plain REPL: a form filled in field by field, or a completion to allow.

Every question starts with a single key (armed as approvals are: keys typed before it appeared are
set aside, and none answers until the keyboard has been quiet for ARMING_DELAY), so type-ahead meant
for the next prompt never fills in a server's form or lets it use the model. Keys set aside are
given back once the whole form is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from prompt_toolkit import PromptSession
from prompt_toolkit.application import Application
from prompt_toolkit.filters import Condition
from prompt_toolkit.input import Input
from prompt_toolkit.input.typeahead import get_typeahead, store_typeahead
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output import Output

from ..events import ElicitationRequest, SamplingRequest
from ..forms import FormAnswer, FormError, FormField, check_answers, form_fields
from ..terminal import neutralize
from . import approval

T = TypeVar("T")
FORM_CHOICES = "  [f] fill in · [d] decline · [c] cancel (Enter) "
SEND_CHOICES = "  [y] send these answers · [d] decline · [c] cancel (Enter) "


def sampling_choices(request: SamplingRequest) -> str:
    return f"  [y] let {request.model or 'the model'} answer · [n] decline (Enter) "


class Keys:
    """One terminal's keyboard and screen, and what to call when a question is up."""

    def __init__(self, keyboard: Input, screen: Output, started: Callable[[], None]) -> None:
        self.keyboard, self.screen, self.started = keyboard, screen, started

    async def choose(self, text: str, answers: dict[str, T]) -> T | None:
        """A single-key answer from `answers` (keys as prompt-toolkit names them); None for Ctrl+C or Esc."""
        shown_at = [time.monotonic()]
        armed = Condition(lambda: time.monotonic() - shown_at[0] >= approval.ARMING_DELAY)  # the approvals' delay
        bindings = KeyBindings()
        for key, answer in answers.items():
            for variant in {key, key.upper()} if len(key) == 1 else {key}:
                bindings.add(variant, filter=armed)(_exit_with(answer))
        for key in ("c-c", "escape"):
            bindings.add(key, filter=armed)(_exit_with(None))
        bindings.add("c-c", filter=~armed)(_exit_with(None))  # Ctrl+C always stops: it is never type-ahead

        @bindings.add("<any>")
        def _still_typing(event: KeyPressEvent) -> None:
            shown_at[0] = time.monotonic()

        app: Application[T | None] = Application(
            layout=Layout(Window(FormattedTextControl(neutralize(text)), wrap_lines=True, dont_extend_height=True)),
            key_bindings=bindings, input=self.keyboard, output=self.screen, erase_when_done=True,
        )

        def shown() -> None:
            shown_at[0] = time.monotonic()
            self.started()

        return await app.run_async(pre_run=shown, handle_sigint=False)

    async def line(self, message: str) -> str | None:
        """One typed line; None for Ctrl+C or Ctrl+D."""
        session: PromptSession[str] = PromptSession(input=self.keyboard, output=self.screen)
        try:
            return await session.prompt_async(neutralize(message), pre_run=self.started)
        except (KeyboardInterrupt, EOFError):
            return None


def _exit_with(answer: object) -> Callable[[KeyPressEvent], None]:
    def handle(event: KeyPressEvent) -> None:
        event.app.exit(result=answer)

    return handle


async def fill_form(request: ElicitationRequest, keys: Keys) -> FormAnswer:
    """Fill in, decline or cancel; each field is asked until its answer fits, then the whole is confirmed."""
    earlier = get_typeahead(keys.keyboard)  # given back at the end: never an answer to this form
    try:
        fields = form_fields(request.requested_schema)
        choice = await keys.choose(FORM_CHOICES, {"f": "fill", "d": "decline", "c": "cancel", "enter": "cancel"})
        if choice != "fill":
            return FormAnswer("decline" if choice == "decline" else "cancel")
        content = await _fields(fields, keys)
        if content is None:
            return FormAnswer("cancel")
        sent = await keys.choose(SEND_CHOICES, {"y": "accept", "d": "decline", "c": "cancel", "enter": "cancel"})
        if sent == "accept":
            return FormAnswer("accept", content)
        return FormAnswer("decline" if sent == "decline" else "cancel")
    finally:
        store_typeahead(keys.keyboard, earlier + get_typeahead(keys.keyboard))


async def _fields(fields: list[FormField], keys: Keys) -> dict[str, object] | None:
    values: dict[str, object] = {}
    for item in fields:
        problem = ""
        while True:
            default = "" if item.default is None else f" [Enter: {_shown(item.default)}]"
            typed = await keys.line(f"{problem}  {item.title} ({item.hint()}){default}: ")
            if typed is None:
                return None
            try:
                values[item.name] = item.parse(typed)
                break
            except FormError as error:
                problem = f"  ! {error}\n"
    try:
        return check_answers(fields, values)
    except FormError:  # every field was checked as it was typed: nothing left to find
        return None


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


async def allow_sampling(request: SamplingRequest, keys: Keys) -> bool:
    earlier = get_typeahead(keys.keyboard)
    try:
        return await keys.choose(sampling_choices(request), {"y": True, "n": False, "enter": False}) is True
    finally:
        store_typeahead(keys.keyboard, earlier + get_typeahead(keys.keyboard))
