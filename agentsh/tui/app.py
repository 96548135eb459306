"""The agentsh Textual app: transcript, status bar, input; sessions and approvals screens.

The app paints before the session exists: opening it (imports, database, plugins, the
stored conversation) runs in a thread started as the app mounts, and whatever the user
sends meanwhile waits in the turn queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..errors import AgentshError
from ..models.warmup import Warmup
from ..plugin_loader.progress import IMPORT_REPORTER
from ..signals import exit_status, on_stop_signals
from ..tools.approval import Decision
from . import collector
from .context_gauge import ContextGauge
from .history import CONTINUE_COMMAND, items_of, older_steps, recent_messages, user_inputs
from .literal import literal
from .runner import TurnRunner
from .screens.approval import ApprovalScreen
from .turn_view import TurnView
from .widgets.extras import CompactionBlock
from .widgets.key_hints import IN_INPUT, IN_TRANSCRIPT, KeyHints
from .widgets.messages import CommandOutput, NoticeLine, ShellOutput
from .widgets.prompt import PromptInput
from .widgets.status import StatusBar
from .widgets.transcript import TranscriptView

if TYPE_CHECKING:  # the core is imported by the thread that opens the session
    from textual.worker import Worker

    from ..commands import CommandResult
    from ..events import ApprovalRequest, ElicitationRequest, Event, SamplingRequest, Waiting
    from ..session import Session
    from ..shell_escape import ShellRun
    from ..store.records import SessionRecord

Opener = Callable[[], "Session"]
WELCOME = Text.assemble(
    ("agentsh", "bold"), " — chat with an agent that can use tools.\n",
    "Enter sends · Ctrl+J new line · ↑ edits your last message, ↑↓ earlier ones · / commands (Tab completes) · ",
    "Ctrl+O copies the answer · Ctrl+P palette · Ctrl+S sessions · Esc cancels a turn · Ctrl+Q quits",
)
REDRAWN = ("resend", "reload")  # actions after which the transcript is drawn again from the store
GOING_BACK = ("/retry", "/edit", "/undo", "/rewind")  # commands that change what a running turn builds on
STATUS_EVERY = 16  # text deltas between status-bar refreshes while an answer streams
QUIET_AFTER_ERROR = 120.0  # seconds after an error pop-up in which background failures stay in the transcript
DRAWN_TIMEOUT = 0.5  # seconds: the most background work waits for the newest page to be drawn


def open_with_recent(opener: Opener) -> tuple[Session, list, bool, list]:
    """Runs in a thread: the session, its newest stored messages, whether they are all of them, each turn's steps."""
    session = opener()
    return session, *recent_messages(session), session.past_steps()


class MainScreen(Screen):
    """The transcript and the message input. The input has the focus from the first frame: Textual
    would otherwise focus the first focusable widget (the transcript) until `on_mount` moves it, and
    keys typed as the app starts would scroll the transcript instead of landing in the message."""

    AUTO_FOCUS = "PromptInput"


class AgentshApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "agentsh"
    BINDINGS = [
        Binding("escape", "cancel_turn", "cancel turn"),
        Binding("ctrl+s", "sessions", "sessions"),
        Binding("ctrl+g", "add_shell_output", "add !output", show=False),
        Binding("ctrl+o", "copy_answer", "copy answer"),  # ctrl+y is the input's redo
        Binding("ctrl+t", "toggle_tool_output", "tool output", show=False),
        Binding("ctrl+q", "quit", "quit", priority=True),
    ]

    def __init__(self, opener: Opener, *, pick_session: bool = False, warmup: Warmup | None = None) -> None:
        super().__init__()
        self.opener = opener
        self.pick_session = pick_session
        self.warmup = warmup or Warmup()
        self.session: Session | None = None
        self.session_ready = asyncio.Event()
        self.history_ready = asyncio.Event()
        self.past_steps: list = []  # each turn's mode steps, per user message of the session shown (tui/history.py items_of)
        self.error: AgentshError | None = None
        self.runner = TurnRunner(self)
        self.gauge = ContextGauge()
        self.last_error_at = -QUIET_AFTER_ERROR  # when an error last popped up
        self.last_background_popup_at = -QUIET_AFTER_ERROR  # when background work's report last popped up
        self.pending_approvals: list[ModalScreen] = []
        self.unsaved_draft: str | None = None
        self.quit_code = 0  # set by the first quit: Ctrl+Q, /quit, or SIGTERM / SIGHUP (128 + signum)
        self.quitting = False
        self.farewell: str | None = None  # how to come back to the session, printed once the app has left the screen
        self._saved_theme: str | None = None  # the theme the config holds; None until it has been read
        self.shell_worker: Worker | None = None
        self.shell_offer: ShellRun | None = None  # the last `!command`, until added or another runs
        self._forget_signals: Callable[[], None] = lambda: None

    def compose(self) -> ComposeResult:
        self.status = StatusBar()
        self.transcript = TranscriptView()
        self.prompt = PromptInput(self._candidates)
        self.prompt.last_message = self._last_message
        yield self.status
        yield self.transcript
        yield Static(id="completions")
        yield self.prompt
        yield KeyHints()

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        from textual.drivers.linux_driver import LinuxDriver

        if driver is not LinuxDriver:  # Windows, or a driver named in TEXTUAL_DRIVER
            return driver
        from .driver import TerminalDriver

        return TerminalDriver

    def on_mount(self) -> None:
        self.prompt.focus()
        self._forget_signals = on_stop_signals(self.stop_by_signal)
        # Started now rather than after the first paint: the thread's imports fill the ~20 ms
        # the first frames wait for Textual's refresh timer, and cost that paint only ~5 ms.
        self.run_worker(self._open(self.opener), group="session")

    # sessions ---------------------------------------------------------------------------

    async def _open(self, opener: Opener) -> bool:
        reporting = IMPORT_REPORTER.set(self._importing)  # to_thread copies this context: only this opening reports
        try:
            session, recent, complete, self.past_steps = await asyncio.to_thread(open_with_recent, opener)
        except AgentshError as error:
            if self.session is None:  # nothing to go back to: leave, and say why on the terminal
                self.error = error
                self.exit(return_code=error.exit_code)
            else:
                self.notify_plain(str(error), "error")
                self.session_ready.set()
                self.history_ready.set()
            return False
        finally:
            IMPORT_REPORTER.reset(reporting)
            self.status.show(opening=None)
        previous = self.session
        if previous is None:
            self._apply_saved_theme(session.settings.theme)
        await self._show_session(session, recent)
        await self._restore_draft(session)
        if previous is not None:
            await previous.aclose()
        await self._drawn()
        if self.session is session:  # not switched away from meanwhile
            self._start_background_work(session)
            await self._load_history(session, recent, complete)
        return True

    def _importing(self, plugin: str) -> None:
        """In the opening thread, as a plugin file's import begins: the header says what opening waits for."""
        with suppress(RuntimeError):  # the app has already closed
            self.call_from_thread(self.status.show, opening=f"importing plugin {plugin}")

    async def _drawn(self) -> None:
        """Until the screen has been redrawn: work started in a thread before then would hold
        the GIL half the time and delay drawing the newest page. Bounded: a callback queued on
        a screen that is dismissed first never runs."""
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        with suppress(TimeoutError):
            await asyncio.wait_for(drawn.wait(), DRAWN_TIMEOUT)

    async def _restore_draft(self, session: Session) -> None:
        """What was typed or queued but not sent when this session was last left comes back in the input."""
        try:
            draft = session.take_draft()
        except AgentshError as error:
            self.notify_plain(f"the text not sent last time could not be read: {error}", "warning")
            return
        if draft:
            self.restore_input([draft])
            await self.transcript.add(NoticeLine("the text you had not sent when you left is back in the input"))

    async def _show_session(self, session: Session, recent: list) -> None:
        """The newest messages, and the session is ready to use."""
        first = self.session is None
        self.session = session
        self.history_ready.clear()
        with self.batch_update():  # one frame once all is mounted, not one per await
            await self._show_transcript(session, recent)
            self.session_ready.set()
            self.refresh_status(state=self._state_once_shown())
        if first and self.pick_session:
            self.action_sessions()

    def _state_once_shown(self) -> str:
        """A message sent meanwhile still waits (for the history, then the model client): say so, not "ready"."""
        if self.runner.sending:
            return "running"
        return "opening" if self.runner.busy else "idle"

    async def _show_transcript(self, session: Session, recent: list) -> None:
        await self.transcript.show_history(items_of(recent, self.past_steps))
        if not recent:
            await self.transcript.add(Static(WELCOME, classes="welcome"))
        for notice in session.notices:
            await self.transcript.add(NoticeLine(notice, session.notice_level(notice)))

    def _start_background_work(self, session: Session) -> None:
        """Once the session is on screen: litellm's import, background memory work."""
        collector.resume()  # before litellm's import, which pauses collection itself
        self.warmup.start_for(session.model)
        session.subscribe(self._background_event)
        session.start_background()

    async def _load_history(self, session: Session, recent: list, complete: bool) -> None:
        """The whole conversation, read in a thread: older pages, Up/Down input history.

        A turn waits for it: the session reads the same history when it starts one.
        """
        history = await asyncio.to_thread(self._read_history, session, recent, complete)
        if self.session is session:
            self.transcript.set_older(items_of(history[: len(history) - len(recent)], older_steps(self.past_steps, recent)))
            self.prompt.inputs.entries = user_inputs(history)
            self.history_ready.set()
            self.refresh_status()  # with the context's fill, now estimated

    def _read_history(self, session: Session, recent: list, complete: bool) -> list:
        """In a thread: the whole conversation, and how full it makes the model's context."""
        self.gauge.estimate(session)
        return recent if complete else session.history()

    async def switch_session(self, resume: str | None) -> None:
        """Open another session (`resume` id), or a new one with the current mode and model."""
        await self.runner.stop()
        current = self.session
        if current is None or resume == current.id:
            return
        self.session_ready.clear()
        self.history_ready.clear()
        self.refresh_status(state="opening")
        if not await self._open(lambda: current.switch(resume)):
            self.refresh_status(state="idle")

    async def compare(self, argument: str) -> None:
        """/compare: every combination at once (each a fork of this session), then the table, each answer expandable."""
        import shlex

        from ..compare import compare, compare_request
        from .widgets.comparison import ComparisonView

        if self.session is None:
            return
        try:
            request = compare_request(self.session, shlex.split(argument))
            comparison = await compare(self.session, request.prompt, request.combinations, request.judge)
        except AgentshError as error:
            self.notify_plain(str(error), "error")
            return
        await self.transcript.add(ComparisonView(comparison))

    def show_stats(self) -> None:
        from .screens.stats import StatsScreen

        if self.session is not None:
            self.push_screen(StatsScreen(self.session.spend_reports()))

    def action_sessions(self) -> None:
        from .screens.sessions import SessionsScreen

        if self.session is None:
            self.notify_plain("the session is still opening", "warning")
            return

        def chosen(session_id: str | None) -> None:
            if session_id:
                self.run_worker(self.switch_session(session_id), group="session")

        self.push_screen(SessionsScreen(self.session), chosen)

    # input ------------------------------------------------------------------------------

    def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        from ..commands import is_command
        from ..shell_escape import is_shell_escape

        text = message.text
        if message.replace:
            self.replace_last(text)
        elif is_shell_escape(text):
            self.run_shell(text[1:].strip())
        elif is_command(text.strip()):
            self.run_slash(text.strip())
        else:
            self.runner.submit(text)

    # the user's own commands ------------------------------------------------------------

    def run_shell(self, command: str) -> None:
        if self.session is None or self.runner.busy or (self.shell_worker and not self.shell_worker.is_finished):
            self.notify_plain("wait until what runs now has finished (Esc stops it)", "warning")
            self.prompt.set_text(f"!{command}")
            return
        self.shell_worker = self.run_worker(self._shell(self.session, command), group="shell")

    async def _shell(self, session: Session, command: str) -> None:
        """`!command`: its output as it comes (Esc stops it); then Ctrl+O sends it with the next message."""
        run = session.shell(command)
        view = ShellOutput(command)
        await self.transcript.add(view, follow=True)
        try:
            async for chunk in run.stream():
                view.append(chunk)
        except OSError as error:
            view.finish(f"could not run: {error}")
            return
        except asyncio.CancelledError:
            view.finish("stopped")
            raise
        view.finish(run.status())
        self.shell_offer = run
        await self.transcript.add(NoticeLine("ctrl+g adds this command and its output to your next message"))

    def action_add_shell_output(self) -> None:
        run, self.shell_offer = self.shell_offer, None
        if run is None or self.session is None:
            self.notify_plain("no !command output to add (run one first: !ls)")
            return
        self.session.add_context(run)
        self.notify_plain(f"!{run.command} and its output go with your next message")

    def on_prompt_input_completions_shown(self, message: PromptInput.CompletionsShown) -> None:
        hint = self.query_one("#completions", Static)
        hint.update(literal("  ".join(option.strip() for option in message.options)))
        hint.display = bool(message.options)

    def on_prompt_input_scroll_transcript(self, message: PromptInput.ScrollTranscript) -> None:
        self.transcript.scroll_pages(message.pages)

    def restore_input(self, texts: Iterable[str]) -> None:
        current = self.prompt.message
        parts = [*texts, current] if current.strip() else list(texts)
        self.prompt.set_text("\n\n".join(parts))

    # slash commands and the palette ---------------------------------------------------------

    def run_slash(self, text: str) -> None:
        if self.session is None:
            self.notify_plain("the session is still opening: try the command again in a moment", "warning")
            return
        from ..commands import run_slash_command

        if text.split(" ")[0] in GOING_BACK and self.runner.busy:
            self.notify_plain(f"{text.split(' ')[0]} waits for no turn: let the running and queued turns finish, or Esc", "warning")
            return
        result = run_slash_command(self.session, text)
        if (result.text or result.error) and result.action not in REDRAWN:  # those show their text once redrawn
            self.run_worker(self.transcript.add(CommandOutput(text, result.text, result.error), follow=True))
        if result.error:
            self.notify_plain(result.text, "error")
        self.perform(result)
        if self.session is not None:  # after /model or /retry --model X: litellm loads now, and a turn waits for it visibly
            self.warmup.start_for(self.session.model)
        self.refresh_status()

    def perform(self, result: CommandResult) -> None:
        """Carry out what a command asked of the UI."""
        action = result.action
        if action == "quit":
            self.run_worker(self.action_quit())
        elif action in ("new", "resume"):
            self.run_worker(self.switch_session(result.argument if action == "resume" else None), group="session")
        elif action == "sessions":
            self.action_sessions()
        elif action == "stats":
            self.show_stats()
        elif action == "compact":
            self.run_worker(self.compact())
        elif action == "send" and result.argument:
            self.runner.submit(result.argument, result.options)
        elif action == "continue":
            self.runner.submit(CONTINUE_COMMAND)
        elif action in REDRAWN:
            self.run_worker(self.reload_transcript(result.argument, send=action == "resend", note=result.text))
        elif action == "edit" and result.argument is not None:
            self.prompt.edit_last(result.argument)
        elif action == "copy" and result.argument is not None:
            self.copy_text(result.argument)
        elif action == "compare" and result.argument is not None:
            self.run_worker(self.compare(result.argument))
        elif action not in (None, "export"):  # export: the command wrote the file and said where
            self.notify_plain(f"this app does not know the action {action!r}", "warning")

    # going back: /retry, /edit, /rewind, /copy ----------------------------------------------

    def replace_last(self, text: str) -> None:
        """The edited last message was sent: it replaces that turn."""
        from ..commands import edit_last

        if self.session is None or self.runner.busy:
            self.notify_plain("a turn is running or waiting: your edit is back in the input; send it once the turn is over", "warning")
            self.prompt.edit_last(text)
            return
        try:
            result = edit_last(self.session, text)
        except AgentshError as error:
            self.notify_plain(str(error), "error")
            return
        self.perform(result)

    def _last_message(self) -> str | None:
        """For ↑ on an empty input: the last message to edit, if there is one and no turn runs."""
        if self.session is None or self.runner.busy or not self.history_ready.is_set():
            return None
        try:
            return self.session.last_user_text()
        except AgentshError:
            return None

    async def reload_transcript(self, text: str | None, send: bool, note: str = "") -> None:
        """The stored conversation changed under the transcript (a replaced or rewound turn): show it again, then `note`."""
        session = self.session
        if session is None:
            return
        recent, complete = await asyncio.to_thread(recent_messages, session)
        self.past_steps = await asyncio.to_thread(session.past_steps)
        await self.transcript.show_history(items_of(recent, self.past_steps))
        if note:
            await self.transcript.add(NoticeLine(note))
        await self._load_history(session, recent, complete)
        if text and send:
            self.runner.submit(text)
        elif text:
            self.restore_input([text])

    def copy_text(self, text: str) -> None:
        from ..terminal import clipboard_sequence

        try:
            clipboard_sequence(text)
        except ValueError as reason:
            self.notify_plain(f"not copied: {reason}", "warning")
            return
        self.copy_to_clipboard(text)
        self.notify_plain("copied to the clipboard (if the terminal allows OSC 52)")

    def action_copy_answer(self) -> None:
        """Ctrl+O: the last answer to the clipboard."""
        self.run_slash("/copy")

    async def compact(self) -> None:
        if self.runner.busy:
            self.notify_plain("a turn is running: compact once it has finished", "warning")
            return
        assert self.session is not None  # a command ran, so the session is open
        try:
            event = await self.session.compact()
        except AgentshError as error:
            self.notify_plain(f"compaction failed: {error}", "error")
            return
        if event is None:
            self.notify_plain("nothing to compact yet")
        else:
            await self.transcript.add(CompactionBlock(event))
        self.refresh_status()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from .palette import entries

        yield from super().get_system_commands(screen)
        for entry in entries(self.session):
            action = self._slash(entry.command) if entry.command else self.action_sessions
            yield SystemCommand(entry.title, entry.help, action)

    def _candidates(self, text: str) -> list[str]:
        from .slash import candidates

        return candidates(self.session, text)

    def _slash(self, text: str) -> Callable[[], None]:
        return lambda: self.run_slash(text)

    # the running turn ---------------------------------------------------------------------

    def _background_event(self, event: Event) -> None:
        """What background memory work reports (facts learned, failures) joins the transcript; soon after an
        error pop-up (a 401, say), a background failure does not pop up too: it is most likely the same one.
        (Soon before one, its pop-up goes when the error's comes: see notify_plain.)"""
        quiet = time.monotonic() - self.last_error_at < QUIET_AFTER_ERROR
        view = TurnView(self.transcript, self._no_popup if quiet else self._background_popup, self.ask_approval)
        self.run_worker(view.show(event))

    def _no_popup(self, message: str, severity: SeverityLevel = "information") -> None:
        """For a background report the user has just seen as an error: in the transcript only."""

    def _background_popup(self, message: str, severity: SeverityLevel = "information") -> None:
        self.last_background_popup_at = time.monotonic()
        self.notify_plain(message, severity)

    def ask_approval(self, request: ApprovalRequest | ElicitationRequest | SamplingRequest) -> None:
        """A question for the user in a modal: a tool call to approve, or a tool server's form or completion."""
        if request.type != "approval":
            self._ask_for_server(request)
            return
        screen = ApprovalScreen(request, hand_back=self._type_into_prompt)
        self.pending_approvals.append(screen)

        def decided(decision: Decision | None) -> None:
            self.pending_approvals.remove(screen)
            if request.decision is not None and not request.decision.done():
                request.decision.set_result(decision or Decision.DENY)

        self.push_screen(screen, decided)

    def _ask_for_server(self, request: ElicitationRequest | SamplingRequest) -> None:
        from .screens.server_questions import answer_of, server_question  # the forms load only when a server asks

        screen = server_question(request, self._type_into_prompt, self.notify_plain)
        if screen is None:
            return
        self.pending_approvals.append(screen)

        def answered(answer: object) -> None:
            self.pending_approvals.remove(screen)
            answer_of(request, answer)

        self.push_screen(screen, answered)

    def _type_into_prompt(self, text: str) -> None:
        """Keys typed as an approval opened belong to the message being written."""
        self.prompt.insert(text)

    def turn_progress(self, view: TurnView, event: Event) -> None:
        waiting = event if event.type == "waiting" else None
        if event.type != "text" or view.events % STATUS_EVERY == 0 or self.status.info.waiting:
            self.refresh_status(state="running", activity=view.events, live=view, waiting=waiting)

    def turn_finished(self, view: TurnView) -> None:
        for screen in list(self.pending_approvals):  # the turn ended while a question was open: no answer (deny, cancel)
            screen.dismiss(None)
        self.refresh_status(state="idle")
        if self.session is not None:
            self.gauge.after_turn(self, self.session, view.context)

    def action_cancel_turn(self) -> None:
        if self.focused is not self.prompt:  # Esc from a tool block goes back to the input first
            self.prompt.focus()
        elif self.shell_worker is not None and not self.shell_worker.is_finished:
            self.shell_worker.cancel()
        elif not self.runner.cancel():
            self.prompt.focus()

    # moving around the transcript ------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        in_input = event.widget is self.prompt or self.transcript not in event.widget.ancestors
        self.query_one(KeyHints).show_for(IN_INPUT if in_input else IN_TRANSCRIPT)

    def on_key(self, event: events.Key) -> None:
        """A key typed while a tool block has the focus belongs to the message being written."""
        if event.is_printable and event.character and self.focused is not None and self.transcript in self.focused.ancestors:
            self.prompt.focus()
            self.prompt.insert(event.character)
            event.stop()

    def action_toggle_tool_output(self) -> None:
        """Ctrl+T: open (or close) the newest tool block."""
        from .widgets.tool_block import ToolBlock

        blocks = list(self.transcript.query(ToolBlock))
        if not blocks:
            self.notify_plain("no tool output yet")
            return
        blocks[-1].collapsed = not blocks[-1].collapsed
        self.transcript.scroll_to_widget(blocks[-1], animate=False)

    def on_unmount(self) -> None:
        self._forget_signals()

    def stop_by_signal(self, signum: int) -> None:
        """SIGTERM / SIGHUP: quit as Ctrl+Q does (the turn saved, interrupted), with status 128 + signum."""
        self.run_worker(self.quit(exit_status(signum)))

    async def action_quit(self) -> None:
        await self.quit()

    async def quit(self, return_code: int = 0) -> None:
        """Stop the turn (saved, interrupted) and close the session; a second quit only joins the first."""
        self.quit_code = self.quit_code or return_code
        if self.quitting:
            return
        self.quitting = True
        try:
            await self.runner.stop()  # queued messages go back to the input
            if self.session is not None:
                self._keep_draft(self.session)
                self.farewell = self.session.how_to_continue()
                await self.session.aclose()
        finally:  # whatever failed, the app leaves and gives the terminal back
            self.exit(return_code=self.quit_code)

    def _keep_draft(self, session: Session) -> None:
        """Quitting stays instant and loses nothing: the unsent input is kept with the session."""
        text = self.prompt.message
        try:
            session.save_draft(text)
        except AgentshError as error:  # shown on the terminal once the app has closed
            self.unsaved_draft = f"the unsent text could not be kept ({error}); here it is:\n{text}"

    # status and notifications ---------------------------------------------------------------

    def refresh_status(self, state: str | None = None, activity: int = 0, live: TurnView | None = None, waiting: Waiting | None = None) -> None:
        changes: dict = {"queued": len(self.runner.queue)}
        if state is not None:
            changes.update(state=state, activity=activity, waiting=waiting and waiting.seconds, waiting_for=waiting and waiting.agent)
        if live is not None and live.context is not None:
            self.gauge.used = live.context
        if self.session is not None:
            record = self.session.record
            cost, tokens = _session_totals(record, live)
            changes.update(
                title=record.title, session_id=record.id, mode=record.mode, model=record.model, cost=cost, tokens=tokens,
                context=self.gauge.used, window=self.gauge.window_of(record.model),
            )
            self.gauge.measure(self, self.session)
        self.status.show(**changes)

    # the theme ----------------------------------------------------------------------------

    def _apply_saved_theme(self, name: str | None) -> None:
        """The theme chosen last time (the config's `theme`), when this Textual still has it."""
        self._saved_theme = name or self.theme
        if name and name in self.available_themes:
            self.theme = name

    def watch_theme(self, name: str) -> None:
        """A theme switched from the command palette is kept for next time: only that line of the config changes."""
        if self._saved_theme is None or name == self._saved_theme:
            return
        self._saved_theme = name
        from ..config import save_top_level_string  # not before the first paint: the settings' models take ~50 ms to build

        try:
            save_top_level_string("theme", name)
        except (AgentshError, OSError) as error:
            self.notify_plain(f"the theme was not saved: {error}", "warning")

    def notify_plain(self, message: str, severity: SeverityLevel = "information") -> None:
        if severity == "error":
            self.last_error_at = time.monotonic()
            if self.last_error_at - self.last_background_popup_at < QUIET_AFTER_ERROR:
                self.clear_notifications()  # background work's failure just before is most likely this one: one pop-up
        self.notify(literal(message).plain, severity=severity, markup=False)


def _session_totals(record: SessionRecord, live: TurnView | None) -> tuple[float | None, int]:
    """The session's cost and tokens, a running turn's included once: counted from the totals the turn began with,
    since the record already holds the turn by the time its last events (the budget's stop, its end) are shown."""
    if live is None:
        return record.cost, record.prompt_tokens + record.completion_tokens
    cost_before, tokens_before = live.before
    return (None if cost_before is None or live.cost is None else cost_before + live.cost), tokens_before + live.tokens
