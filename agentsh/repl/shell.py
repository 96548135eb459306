"""The plain REPL's loop: read a line, run it as a turn or a slash command, show what happens.

The loop talks to a *terminal* (`PromptTerminal` on a tty, `LineTerminal` on a pipe)
for input and questions, and to a `TranscriptPrinter` for output, so tests can drive it with
prompt-toolkit's pipe input and read everything it printed from a string.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import AbstractContextManager, aclosing
from functools import partial
from typing import Protocol

from prompt_toolkit.utils import get_cwidth

from .. import __version__
from ..agent.continuation import CONTINUE_REQUEST
from ..commands import CommandResult, edit_last, is_command, run_slash_command
from ..costs import dollars
from ..custom_commands import TurnOptions
from ..errors import AgentshError
from ..events import ApprovalRequest, ElicitationRequest, Event, Notice, SamplingRequest
from ..forms import FormAnswer
from ..messages import Message
from ..models import model_label
from ..models.warmup import Warmup
from ..plugin_loader.loader import PluginChange
from ..session import Session
from ..shell_escape import ShellRun, is_shell_escape
from ..tools.approval import Decision
from .approval import decision_text
from .render import TranscriptPrinter
from .steps import first_line

PLUGIN_POLL = 1.0  # seconds between checks of the plugin directories while the prompt waits
RECAP = 4  # messages of a resumed session shown when it opens


def server_answer_text(answer: object, can_ask: bool) -> str:
    if not can_ask:
        return "  not answered: nothing can ask on piped input"
    if isinstance(answer, FormAnswer):
        return {"accept": "  sent", "decline": "  declined"}.get(answer.action, "  cancelled")
    return "  allowed: the model answers" if answer is True else "  declined"


class Terminal(Protocol):
    can_ask: bool
    echo: bool
    waiting_for: str | None

    async def read(self) -> str | None: ...
    async def ask(self, question: str) -> str | None: ...
    async def edit(self, text: str) -> str | None: ...
    def copy(self, text: str) -> None: ...
    async def approve(self, request: ApprovalRequest) -> Decision | None: ...
    async def fill_form(self, request: ElicitationRequest) -> FormAnswer: ...
    async def allow_sampling(self, request: SamplingRequest) -> bool: ...
    def during_turn(self, interrupt: Callable[[], None]) -> AbstractContextManager: ...
    async def above_prompt(self, show: Callable[[], None]) -> None: ...


class Repl:
    def __init__(
        self, session: Session, terminal: Terminal, transcript: TranscriptPrinter, plugin_poll: float = PLUGIN_POLL,
        warmup: Warmup | None = None,
    ) -> None:
        self.terminal = terminal
        self.transcript = transcript
        self.plugin_poll = plugin_poll
        self.opened: list[Session] = []  # closed at exit: sessions left earlier may still consolidate memories
        self._showing: set[asyncio.Task] = set()
        self.warmup = warmup or Warmup()
        self.session = self._adopt(session)

    async def run(self, first: Awaitable[str | None] | None = None) -> int:
        """Greet, then run each line until the user quits. `first`: the first line, its prompt
        already up while the session opened (the greeting then goes above it)."""
        try:
            if first is None:
                self.greet()
            else:
                await self.terminal.above_prompt(self.greet)
            self._warm_up(self.session)  # once the greeting is on screen
            text = await self._read(first)
            while text is not None and await self.handle(text):
                text = await self._read()
            self.farewell()
        finally:
            for session in self.opened:
                await session.aclose()
        return 0

    def _adopt(self, session: Session) -> Session:
        """Background memory work runs only in an interactive shell; what it learns is shown as it happens."""
        session.subscribe(self._background_event)
        if self.terminal.can_ask:
            session.start_background()
        self.opened.append(session)
        return session

    def _warm_up(self, session: Session) -> None:
        """On a litellm model, import litellm now in the background: the first answer need not wait ~2.5 s for it."""
        self.warmup.start_for(session.model)

    async def _until_warm(self) -> None:
        """A message sent while litellm still loads waits for it, and says so."""
        if self.warmup.pending:
            self.transcript.line("· waiting to send: the model client (litellm) is loading…", "dim")
            await self.warmup.wait()

    def _background_event(self, event: Event) -> None:
        task = asyncio.get_running_loop().create_task(self.terminal.above_prompt(lambda: self.transcript.show(event)))
        self._showing.add(task)
        task.add_done_callback(self._showing.discard)

    async def handle(self, text: str) -> bool:
        """Run one line of input; False when the user asked to quit."""
        if not text.strip():
            return True
        if self.terminal.echo:
            self.transcript.line("› " + text.replace("\n", "\n  "), "bold")
        try:
            if is_shell_escape(text):
                await self._shell(text[1:].strip())
                return True
            if is_command(text):
                return await self._command(text.strip())
            await self.turn(text[1:] if text.startswith("//") else text)
        except AgentshError as error:
            self.transcript.line(f"error: {error}", "red")
        return True

    # a turn ---------------------------------------------------------------------

    async def turn(self, text: str, options: TurnOptions | None = None) -> None:
        await self._until_warm()
        await self._show(self.session.send(text, options))

    async def _show(self, turn: AsyncGenerator[Event, None]) -> None:
        with self.terminal.during_turn(self.session.cancel):
            async with aclosing(turn) as events:
                async for event in events:
                    if isinstance(event, ApprovalRequest):
                        await self._approve(event)
                    elif isinstance(event, ElicitationRequest | SamplingRequest):
                        await self._answer_server(event)
                    else:
                        self.transcript.show(event)

    # the user's own commands ------------------------------------------------------

    async def _shell(self, command: str) -> None:
        """`!command`: its output as it comes (Ctrl+C / Esc stops it), then whether to send it with the next message."""
        run = self.session.shell(command)
        task = asyncio.ensure_future(self._stream(run))

        def stop() -> None:
            task.cancel()

        with self.terminal.during_turn(stop):
            await asyncio.wait({task})
        if run.output and not run.output[-1].endswith("\n"):
            self.transcript.write("\n")
        if not task.cancelled() and (failure := task.exception()) is not None:
            self.transcript.line(f"error: !{command} could not run: {failure}", "red")
            return
        self.transcript.line(f"· !{command}: {run.status()}", "dim")
        if not self.terminal.can_ask:
            return
        answer = await self.terminal.ask("add the command and its output to the conversation? [y/N] ")
        if answer is not None and answer.strip().lower() in ("y", "yes"):
            self.session.add_context(run)
            self.transcript.line("· added: it goes with your next message", "dim")

    async def _stream(self, run: ShellRun) -> None:
        self.transcript.pause()
        async for chunk in run.stream():
            self.transcript.write(chunk)

    async def _approve(self, request: ApprovalRequest) -> None:
        self.transcript.show(request)
        decision = await self.terminal.approve(request)
        if decision is None:  # Ctrl+C at the question: the user wants the turn to stop
            self.session.cancel()
        if request.decision is not None and not request.decision.done():
            request.decision.set_result(decision or Decision.DENY)
        if self.terminal.can_ask:
            self.transcript.line(decision_text(decision), "yellow")
        else:
            self.transcript.line("  denied: nothing can ask on piped input (start agentsh with --yes to allow it)", "yellow")

    async def _answer_server(self, request: ElicitationRequest | SamplingRequest) -> None:
        """A tool server's form or request for a completion: shown, then answered at the terminal."""
        self.transcript.show(request)
        if isinstance(request, ElicitationRequest):
            answer: object = await self.terminal.fill_form(request)
            future = request.answer
        else:
            answer = await self.terminal.allow_sampling(request)
            future = request.decision
        if future is not None and not future.done():
            future.set_result(answer)
        self.transcript.line(server_answer_text(answer, self.terminal.can_ask), "yellow")

    # slash commands ---------------------------------------------------------------

    async def _command(self, text: str) -> bool:
        try:
            result = run_slash_command(self.session, text)
        except Exception as error:  # a command's bug must not end the shell
            self.transcript.line(f"error: /{text[1:].split(' ')[0]} failed: {type(error).__name__}: {error}", "red")
            return True
        if result.text:
            self.transcript.block(result.text, "red" if result.error else None)
        if result.action == "quit":
            return False
        await self._perform(result)
        self._warm_up(self.session)  # after /model
        return True

    async def _perform(self, result: CommandResult) -> None:
        if result.action in ("new", "resume"):
            self._switch(self.session.switch(result.argument if result.action == "resume" else None))
        elif result.action == "compact":
            await self._compact()
        elif result.action == "send" and result.argument:
            await self.turn(result.argument, result.options)
        elif result.action == "continue":
            await self._until_warm()
            await self._show(self.session.continue_answer())
        elif result.action == "resend" and result.argument is not None:
            await self.turn(result.argument)
        elif result.action in ("edit", "reload") and result.argument:
            await self._edit(result.argument, replace=result.action == "edit")
        elif result.action == "copy" and result.argument is not None:
            self._copy(result.argument)
        elif result.action == "stats":
            self._stats()
        elif result.action == "compare" and result.argument is not None:
            await self._compare(result.argument)

    async def _compare(self, argument: str) -> None:
        """/compare: every combination at once (each a fork of this session), then the table."""
        import shlex
        import shutil

        from ..compare import compare, compare_request, comparison_text

        try:
            request = compare_request(self.session, shlex.split(argument))
            comparison = await compare(self.session, request.prompt, request.combinations, request.judge)
        except AgentshError as error:
            self.transcript.line(f"error: {error}", "red")
            return
        self.transcript.block(comparison_text(comparison, min(shutil.get_terminal_size().columns, 120)))

    def _stats(self) -> None:
        """/stats: this session and today, charts drawn with block characters to the terminal's width."""
        import shutil

        from ..stats.render import session_text

        self.transcript.block(session_text(self.session.spend_reports(), min(shutil.get_terminal_size().columns, 120)))

    async def _edit(self, text: str, replace: bool) -> None:
        """`text` in the input to edit: sent in place of the last message (`replace`), or as a new one (after /rewind)."""
        edited = await self.terminal.edit(text)
        if edited is None and not self.terminal.can_ask:
            hint = "/edit NEW TEXT replaces your last message" if replace else f"that turn's message was: {first_line(text, 70)}"
            self.transcript.line(f"· this input cannot be edited in place: {hint}", "yellow")
        elif edited is None or not edited.strip():
            self.transcript.line("· edit cancelled", "dim")
        elif replace:
            result = edit_last(self.session, edited)
            self.transcript.line(result.text, "dim")
            await self._perform(result)
        else:
            await self.turn(edited)

    def _copy(self, text: str) -> None:
        try:
            self.terminal.copy(text)
        except ValueError as reason:
            self.transcript.line(f"· not copied: {reason}", "yellow")

    def _switch(self, session: Session) -> None:
        if session is self.session:  # /resume of the session already open
            return
        self.session = self._adopt(session)
        self.describe_session()

    async def _compact(self) -> None:
        compact = getattr(self.session, "compact", None)
        if compact is None:
            self.transcript.line("compaction is not available in this version of agentsh", "red")
            return
        task = asyncio.ensure_future(compact())
        with self.terminal.during_turn(task.cancel):
            await asyncio.wait({task})
        if task.cancelled():
            self.transcript.line("■ compaction stopped", "yellow")
        elif (event := task.result()) is None:
            self.transcript.line("· nothing to compact yet", "dim")
        else:
            self.transcript.show(event)

    # between turns ------------------------------------------------------------------

    async def _read(self, reading: Awaitable[str | None] | None = None) -> str | None:
        watcher = asyncio.create_task(self._watch_plugins())
        try:
            return await (reading if reading is not None else self.terminal.read())
        finally:
            watcher.cancel()

    async def _watch_plugins(self) -> None:
        """Plugin files added, changed or broken while the prompt waits are reported at once."""
        while True:
            await asyncio.sleep(self.plugin_poll)
            try:
                changes = self.session.plugin_changes()
            except Exception as error:  # the loader isolates plugins; this is a last resort
                message = f"error: plugin check failed: {type(error).__name__}: {error}"
                await self.terminal.above_prompt(partial(self.transcript.line, message, "red"))
                return
            if changes:
                await self.terminal.above_prompt(partial(self._show_plugin_changes, changes))

    def _show_plugin_changes(self, changes: list[PluginChange]) -> None:
        for change in changes:
            self.transcript.show(Notice(message=change.message, level=change.level))

    # what the user sees at the edges ----------------------------------------------

    def greet(self) -> None:
        self.transcript.line(f"agentsh {__version__} · /help lists the commands · Esc Enter adds a newline · Ctrl+D quits", "dim")
        for notice in self.session.notices:
            self.transcript.show(Notice(message=notice, level=self.session.notice_level(notice)))
        self.describe_session()

    def describe_session(self) -> None:
        session = self.session
        title = f" · {first_line(session.record.title, 60)}" if session.record.title else ""
        self.transcript.line(f"session {session.id}{title} · mode {session.mode} · model {model_label(session.model_name)}", "dim")
        for line in recap_lines(session.history()):
            self.transcript.line(line, "dim")

    def farewell(self) -> None:
        self.transcript.pause()
        line = self.session.how_to_continue(plain=True)
        if line is not None:
            self.transcript.line(line, "dim")

    def status(self, width: int | None = None) -> str:
        """The bottom toolbar: mode, model, session, tokens and cost so far, fitted to `width` (the terminal's)."""
        session, record = self.session, self.session.record
        parts = {
            "mode": session.mode,
            "model": model_label(session.model_name),
            "title": first_line(record.title, 40) if record.title else "new session",
            "id": f"[{session.id}]",
            "tokens": f"{record.prompt_tokens + record.completion_tokens:,} tokens",
            "cost": toolbar_cost(record.cost),
        }
        return fitted_toolbar(parts, width or shutil.get_terminal_size().columns)


TOOLBAR_GIVES_WAY = ("id", "tokens", "model", "title")  # on a narrow terminal, the first left out; mode and cost stay


def fitted_toolbar(parts: dict[str, str], width: int) -> str:
    """The toolbar's parts that fit `width`, leaving out whole parts (`TOOLBAR_GIVES_WAY`) rather than letting the
    terminal cut the line, which turned a cost of $0.0004 into "$0"."""
    shown = {name: text for name, text in parts.items() if text}
    line = _toolbar_line(shown)
    for name in TOOLBAR_GIVES_WAY:
        if get_cwidth(line) <= width:
            break
        shown.pop(name, None)
        line = _toolbar_line(shown)
    return line


def _toolbar_line(shown: dict[str, str]) -> str:
    session = " ".join(text for text in (shown.get("title"), shown.get("id")) if text)
    items = (shown.get("mode"), shown.get("model"), session, shown.get("tokens"), shown.get("cost"))
    return " " + " · ".join(item for item in items if item) + " "


def toolbar_cost(cost: float | None) -> str:
    """The session's cost as the app's header says it (never $0 for a cost that is not zero); nothing while free."""
    return "cost unknown" if cost is None else dollars(cost) if cost else ""


def recap_lines(history: list[Message], count: int = RECAP) -> list[str]:
    """The end of a resumed conversation, one line per message, so the user knows where it stands."""
    spoken = [m for m in history if m.role in ("user", "assistant") and m.content.strip()]
    lines = [f"  … {len(spoken) - count} earlier messages"] if len(spoken) > count else []
    for message in spoken[-count:]:
        who = "you" if message.role == "user" else "agentsh"
        mark = " (interrupted)" if message.interrupted else " (cut at the model's token cap)" if message.cut else ""
        mark = " (budget-limited)" if message.budget_limited else mark
        text = "/continue" if message.role == "user" and message.content == CONTINUE_REQUEST else message.typed
        lines.append(f"  {who}: {first_line(text, 100)}{mark}")
        lines += [f"    📎 {'' if a.kind == 'shell' else '@'}{a.path} ({a.kind})" for a in message.attachments]
    return lines
