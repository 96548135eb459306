"""`Session`: the only object a UI talks to.

    session = Session.open(settings)          # or Session.open(settings, resume="abc1")
    async for event in session.send("hello"):
        ...

Each `send` runs the session's mode on one user message and yields the typed events
of `agentsh.events`; the store records the turn as it goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .agent.continuation import CONTINUE_REQUEST, continue_cut_answer
from .agent.turn import Turn
from .config import Settings, choose_model, data_home
from .custom_commands import CommandFiles, CustomCommand, TurnOptions
from .errors import AgentshError, BudgetExceededError, StoreError, UsageError, WorkflowError
from .events import Compaction, ElicitationRequest, Error, Event, Notice, SamplingRequest, SessionInfo, TextDelta, TurnDone
from .instructions import Instructions, load_instructions
from .mcp import McpManager, open_manager
from .mcp.callbacks import ServerCallbacks
from .mcp.catalog import McpCatalog
from .mcp.prompts import prompt_text
from .mcp.resources import ResourceBlocks, read_mentioned, resource_completions, resource_tools
from .memory.session_memory import SessionMemory
from .memory.tools import memory_tools
from .mentions import Attached, attach_mentions, path_completions
from .messages import Attachment, Message, system, user
from .models import accepts_images, resolve_model
from .models.base import ModelClient
from .models.local_servers import local_offer
from .models.offline import OfflineModel
from .modes import DEFAULT_MODE, WORKFLOW_PREFIX, check_mode_settings, get_mode, mode_names
from .modes.answer_schema import conform_answer
from .plugin_loader.directories import plugin_directories, protected_paths
from .plugin_loader.loader import PluginLoader
from .profiles import remote_profiles, resolve_profiles
from .remote_agents import RemoteAgents
from .session_policy import SessionPolicy
from .session_replay import SessionReplay
from .session_rewind import SessionRewind
from .shell_escape import ShellRun
from .store.db import DB_FILENAME, OnWait, open_database
from .store.formats import StoredFormats
from .store.records import SessionRecord, workspace_of
from .store.search import SEARCH_INDEX_LIMIT
from .store.sessions import SessionStore, repair_history
from .text import replace_lone_surrogates
from .tools.approval import ApprovalPolicy
from .tools.context import ToolContext, using
from .tools.executor import ToolExecutor
from .tools.registry import ToolRegistry
from .tools.selection import ToolSelection
from .workflows.loader import WORKSPACE_DIR, Context, WorkflowCatalog, workflow_directories

CHECKPOINT_INTERVAL = 0.25  # seconds between saves of a streaming answer
_END = object()
Answering = Callable[[Turn], Awaitable[None]]


@dataclass
class _TurnLog:
    """What the store gets at the end of a turn (and in checkpoints while it runs)."""

    turn_id: int
    messages: list[Message]
    stored: list[Message] = field(default_factory=list)  # the conversation before this turn
    events: list[tuple[str, dict]] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    last_checkpoint: float = 0.0
    checkpointed: int = 1  # messages in the stored draft (begin_turn wrote the user's): a streaming checkpoint rewrites only the text
    mode: str = ""  # the turn's mode: the session's, or a custom command's
    started: float = field(default_factory=time.monotonic)  # each stored event's `at` is counted from here (the trace's step times)


class Session(SessionPolicy, SessionRewind, SessionReplay):
    def __init__(
        self, settings: Settings, store: SessionStore, record: SessionRecord, model: ModelClient, loader: PluginLoader,
        tool_context: ToolContext | None = None, mcp: McpManager | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.record = record
        self.model = model
        self.loader = loader
        self.tool_context = tool_context or ToolContext.create(Path.cwd())  # what this session's tools see
        self.registry = loader.registry
        self.approvals = ApprovalPolicy(settings.approval, settings.allow_tools, settings.deny_tools)
        self.tool_selection = ToolSelection(settings.max_tools)  # what find_tools found stays found for the session
        self.executor = ToolExecutor(self.registry, self.approvals, timeout=settings.tool_timeout, selection=self.tool_selection)
        self.formats = StoredFormats(store.db)  # the structured-output level each model accepts
        self.executor.before_change = self._checkpoint_before_change  # files snapshotted for /undo
        self.notices: list[str] = []
        self.instructions = Instructions()  # the project's AGENTS.md files: `open` reads them
        self.memory = SessionMemory(settings, store, record.id, self._memory_model, self._model_for_memory)
        self._listeners = []
        self.memory.on_event = self._background_event
        loader.add_builtin(memory_tools(self.memory.store, lambda: self.id, lambda event: self.memory.on_event(event)))
        self._task: asyncio.Task | None = None
        self._history: list[Message] | None = None
        self._history_rows = 0  # the stored messages `_history` was read from (its repair may have added some)
        self._persisted = store.exists(record.id)
        self.command_files = CommandFiles(workspace=self.tool_context.workspace)
        self.pending_context: list[ShellRun] = []  # `!cmd` runs the user chose to send with their next message
        self._ask: Callable[[Event], None] | None = None  # the running turn's emit: how a server's question reaches the user
        self._questions: set[asyncio.Future] = set()  # servers' questions waiting for the user
        # MCP servers: started with the background work (after the first paint) or by the first turn; a /new or
        # /resume session takes them over (`switch`), so they are not restarted.
        self.mcp = mcp or McpManager([], data_home(settings))
        self._owns_mcp = True
        loader.add_source(self.mcp)
        self.mcp.subscribe(self._background_event)
        self.mcp.callbacks_for = self._server_callbacks  # a server's questions come to this session (the latest to take over)
        self.mcp_catalog = McpCatalog(self.mcp)  # the servers' prompts (slash commands) and resources (@SERVER:URI)
        self._listing: asyncio.Future | None = None
        if self.mcp.connections:
            loader.add_builtin(resource_tools(self.mcp, self.mcp_catalog))
        self.workflows = self._workflow_catalog()
        self.remote_agents = RemoteAgents()  # `[agents.NAME] url`: each remote agent's card fetched once per session

    def _workflow_catalog(self) -> WorkflowCatalog:
        """The workflow files this session may run, read when first needed (checked against its profiles, tools and modes)."""
        directories, notices = workflow_directories(self.tool_context.workspace)
        self.notices += notices
        context = Context(
            profiles=lambda: set(resolve_profiles(self.settings.agents)), remote=lambda: remote_profiles(self.settings.agents),
            tools=lambda: list(self.registry),
            modes=lambda: set(mode_names()), steps=lambda: self.loader.steps,
        )
        return WorkflowCatalog(directories, context)

    # opening ------------------------------------------------------------------

    @classmethod
    def open(
        cls, settings: Settings, resume: str | None = None, latest: bool = False, store: SessionStore | None = None,
        anywhere: bool = False, mcp: McpManager | None = None, origin: str = "interactive", workspace: Path | None = None,
    ) -> Session:
        """Open a new session, or resume `resume` (an id or prefix), or the latest one started in this folder
        (`latest`; with `anywhere`, the latest of all). `mcp`: servers already running, taken over. A new
        session records its `origin`: "run" for `agentsh run`. `workspace`: the folder its tools work in, whose
        plugins, instructions and servers it may load (trust permitting): the current directory unless given."""
        workspace = workspace or Path.cwd()
        check_mode_settings(settings.modes, settings.agents)
        servers = mcp or open_manager(settings.mcp_servers, workspace, data_home(settings))
        store = store or open_store(settings)
        record = _existing_record(store, resume, latest, anywhere, workspace)
        notices: list[str] = []
        if record is None:
            model_name, notice = choose_model(settings)
            if notice and model_name == OfflineModel.name:  # nothing configured: a newcomer's first start
                notice = _with_local_offer(notice)
            notices += [notice] if notice else []
            mode = settings.mode or DEFAULT_MODE
            get_mode(mode)  # a workflow's name is checked once the session knows its workflow files
            record = store.new_record(mode=mode, model=model_name, workspace=workspace_of(workspace), origin=origin)
        loader, plugin_notices, tool_context = _make_loader(settings, workspace)
        problems = [change.message for change in loader.refresh() if change.level == "warning"]
        session = cls(settings, store, record, resolve_model(record.model, settings), loader, tool_context, servers)
        session._apply_flags(settings)
        session.instructions = load_instructions(tool_context.workspace)
        commands_notice = session.command_files.untrusted_notice()
        if session.mode.startswith(WORKFLOW_PREFIX):
            problem = session._workflow_problem(session.mode[len(WORKFLOW_PREFIX):])
            asked_now = not (resume or latest or anywhere) or settings.given("mode")
            if problem is not None and asked_now:
                raise problem  # asked for now: refused now
            notices += [f"{problem} (/mode switches to another mode)"] if problem else []  # a resumed session still opens
        if session.workflows.has_own_files():  # the user's workflows are checked at start, reported like plugins
            problems += [change.message for change in session.workflows.refresh() if change.level == "warning"]
        session.notices = (
            session.notices + notices + session.instructions.notices() + plugin_notices + problems + loader.warnings + session.memory.startup_notices()
            + ([] if mcp else servers.notices)
        )
        session.notices += [commands_notice] if commands_notice else []
        return session

    def switch(self, resume: str | None = None) -> Session:
        """The session to go to (/new, /resume, /fork, the sessions screen), on the same store; the caller closes this one.

        `resume` (an id) keeps its own mode and model; a new session keeps this one's, as the user last chose
        them. `resume` naming this session gives back this session. Blocking: the TUI calls it in a thread.
        """
        if resume == self.id:
            return self
        if resume:
            opened = Session.open(self.settings.without_flags(), resume=resume, store=self.store, mcp=self.mcp, workspace=self.tool_context.workspace)
        else:
            settings = self.settings.model_copy(update={"mode": self.mode, "model": self.model_name})
            opened = Session.open(settings, store=self.store, mcp=self.mcp, workspace=self.tool_context.workspace)
        self._owns_mcp = False  # the servers go on running for the session switched to
        self.mcp.unsubscribe(self._background_event)
        return opened

    def _apply_flags(self, settings: Settings) -> None:
        """A resumed session keeps its mode and model unless the user asked for others."""
        if settings.given("mode") and settings.mode is not None and settings.mode != self.mode:
            self.set_mode(settings.mode)
        if settings.given("model") and settings.model is not None and settings.model != self.model_name:
            self.set_model(settings.model)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def mode(self) -> str:
        return self.record.mode

    @property
    def model_name(self) -> str:
        return self.record.model

    @property
    def persisted(self) -> bool:
        """A new session is written at its first turn, so an unused one leaves no trace."""
        return self._persisted

    def _workflow_problem(self, name: str) -> WorkflowError | None:
        try:
            self.workflows.get(name)
        except WorkflowError as problem:
            return problem
        return None

    def set_mode(self, name: str) -> None:
        get_mode(name)
        if name.startswith(WORKFLOW_PREFIX):
            self.workflows.get(name[len(WORKFLOW_PREFIX):])  # an unknown or broken workflow: WorkflowError, and the mode stays
        self._switch("mode", name)

    def set_model(self, name: str) -> None:
        self.model = resolve_model(name, self.settings)
        self._switch("model", name)

    def _switch(self, field_name: str, value: str) -> None:
        previous = getattr(self.record, field_name)
        self.record = self.record.model_copy(update={field_name: value})
        if self.persisted:
            self.store.update(self.id, **{field_name: value})
            self.store.add_event(self.id, field_name, {"from": previous, "to": value})

    def rename(self, title: str) -> None:
        self.record = self.record.model_copy(update={"title": title})
        if self.persisted:
            self.store.update(self.id, title=title)

    def save_draft(self, text: str) -> None:
        """Keep what was typed or queued but not sent, for when the session is resumed; "" clears it.
        A new session with a draft is written now: it is no longer unused."""
        if not self.persisted:
            if not text.strip():
                return
            self.store.insert(self.record)
            self._persisted = True
        self.store.set_draft(self.id, text)

    def take_draft(self) -> str:
        """The unsent input kept when the session was last left ("" if none), no longer kept."""
        return self.store.take_draft(self.id) if self.persisted else ""

    def _memory_model(self) -> ModelClient:
        """The model consolidation uses: `[memory] model`, else the session's own."""
        name = self.settings.memory.model
        return resolve_model(name, self.settings) if name and name != self.model_name else self.model

    def _model_for_memory(self, session_model: str) -> ModelClient:
        if self.settings.memory.model:
            return resolve_model(self.settings.memory.model, self.settings)
        return self.model if session_model == self.model_name else resolve_model(session_model, self.settings)

    async def compact(self) -> Compaction | None:
        """/compact: summarise the conversation so far (all but the latest exchange); None when too short."""
        if not self.persisted:
            return None
        return await self.memory.compact_now(self.history(), self.model)

    def start_background(self) -> None:
        """Interactive UIs call this once started: MCP servers, background memory work (consolidation of ended sessions)."""
        self.start_servers()
        self.memory.start_background()

    def start_servers(self) -> None:
        """Start the MCP servers in the background (once; needs the running event loop). A turn starts them too."""
        self.mcp.start()
        if self.mcp.connections and self._listing is None:  # their prompts and resources, ready for the first Tab
            self._listing = asyncio.ensure_future(self._list_offers())

    async def _list_offers(self) -> None:
        await self.mcp.wait_for_starting(lambda notice: None)
        await self.mcp_catalog.refreshed()

    async def aclose(self) -> None:
        """Cancel the running turn (saved as interrupted) and background work; stop the MCP servers it owns."""
        await self._stop()
        await self.memory.aclose()
        if self._listing is not None:
            self._listing.cancel()
        if self._owns_mcp:
            await self.mcp.aclose()
        self._close_checkpoints()

    def history(self) -> list[Message]:
        """The stored conversation; cached, and re-read only when the store holds a different count."""
        if not self.persisted:
            return []
        if self.store.recover(self.id) or self._history is None or self._history_rows != self.store.message_count(self.id):
            self._history, self._history_rows = self.store.conversation(self.id)
        return list(self._history)

    # one turn -----------------------------------------------------------------

    def send(self, text: str, options: TurnOptions | None = None) -> AsyncGenerator[Event, None]:
        """Run one turn (`options`: a mode, model or tool set for this turn only). Closing the iterator
        early cancels the turn (kept, marked interrupted)."""
        return self._turn_events(text, None, options or TurnOptions())

    def continue_answer(self) -> AsyncGenerator[Event, None]:
        """/continue: a turn in which the model goes on with its last answer, cut at its token cap.

        UsageError when the last answer was not cut.
        """
        if not self.answer_was_cut():
            raise UsageError("the last answer was not cut at the model's token cap: there is nothing to continue")
        return self._turn_events(CONTINUE_REQUEST, continue_cut_answer, TurnOptions())

    async def _turn_events(self, text: str, answer: Answering | None, options: TurnOptions) -> AsyncGenerator[Event, None]:
        """The events of one turn, answered by the turn's mode (or by `answer`, for /continue)."""
        queue: asyncio.Queue = asyncio.Queue()
        try:
            text, options, resources = await self._mcp_material(text, options)
        except AgentshError as failure:  # the prompt could not be had: nothing was sent, nothing stored
            yield Error(message=str(failure), kind=type(failure).__name__)
            yield TurnDone(session_id=self.id, output="", failed=True)
            return
        turn, log = self._start_turn(text, queue, options, resources)
        yield SessionInfo(session_id=self.id, mode=self.mode, model=self.model_name, title=self.record.title)
        self._task = asyncio.create_task(self._run(turn, log, queue, answer))
        try:
            while (event := await queue.get()) is not _END:
                yield event
        finally:
            await self._stop()

    def cancel(self) -> None:
        """Interrupt the running turn, if any (the UIs' Esc / Ctrl+C)."""
        if self._task and not self._task.done():
            self._task.cancel()

    @property
    def turn_running(self) -> bool:
        """A turn is running now: `cancel` would interrupt it (not so while `send` is still starting it)."""
        return self._task is not None and not self._task.done()

    async def _mcp_material(self, text: str, options: TurnOptions) -> tuple[str, TurnOptions, ResourceBlocks]:
        """An MCP prompt's text in place of the command (its @words attach nothing), and the @SERVER:URI resources."""
        if options.prompt is not None:
            server, name, arguments = options.prompt
            await self.mcp.wait_for_starting(lambda notice: None)
            text = await prompt_text(self.mcp, server, name, dict(arguments))
            return text, replace(options, mentions_within=0, prompt=None), ResourceBlocks()
        if "@" not in text[: options.mentions_within] or not self.mcp.connections:
            return text, options, ResourceBlocks()
        await self.mcp.wait_for_starting(lambda notice: None)
        return text, options, await read_mentioned(self.mcp, text[: options.mentions_within])

    def _start_turn(
        self, text: str, queue: asyncio.Queue, options: TurnOptions, resources: ResourceBlocks | None = None,
    ) -> tuple[Turn, _TurnLog]:
        attached = self.attach(text, options.mentions_within)
        _add_resources(attached, resources or ResourceBlocks())
        self._add_pending_context(attached)
        message = user(replace_lone_surrogates(attached.text))  # a terminal's undecodable bytes cannot be stored
        message.attachments = attached.attachments
        if len(message.content) > SEARCH_INDEX_LIMIT:
            attached.notices.append(
                f"this message is {len(message.content):,} characters: it is stored and sent whole, and search finds words "
                f"in its first {SEARCH_INDEX_LIMIT:,}"
            )
        history = [system(self.system_prompt()), message]  # the stored context joins in _run
        stored = self.history()  # read now: a damaged store fails here, before the turn starts
        if not self.persisted:
            self.store.insert(self.record)
            self._persisted = True
        mode, model_name = options.mode or self.mode, options.model or self.model_name
        get_mode(mode)
        model = self.model if model_name == self.model_name else resolve_model(model_name, self.settings)
        log = _TurnLog(turn_id=self.store.begin_turn(self.id, message, mode, model_name), messages=[message], stored=stored, mode=mode)
        calls = self._turn_calls(log.turn_id)  # every answer kept by its request's hash; a replay reuses them
        self.record = self.store.get(self.id)
        self._begin_checkpoints(log.turn_id)

        def emit(event: Event) -> None:
            self._observe(event, log)
            queue.put_nowait(event)
            self.loader.hooks.dispatch(event, lambda failure: _report(failure, log, queue, self._observe))

        async def refresh_tools() -> None:
            self.mcp_catalog.sync()  # a server that reconnected is listed again
            # A changed plugin file is imported in a thread (a slow import never stops the UI's loop); the
            # usual case, and news from the other sources (MCP servers), is answered on the loop.
            changes = await asyncio.to_thread(self.loader.news) if self.loader.has_news() else self.loader.news()
            workflow_news = self.workflows.refresh() if self.workflows.loaded else []  # hot reload, once workflows are in use
            for change in [*changes, *workflow_news]:
                emit(Notice(message=change.message, level=change.level))

        self._ask = emit
        registry, executor = self._tools_for(options.tools)
        turn = Turn(
            session_id=self.id, model=calls.wrap(model), registry=registry, executor=executor, history=history,
            emit=emit, record=lambda m: self._record_message(m, log), max_steps=self.settings.max_steps,
            refresh_tools=refresh_tools, profiles=resolve_profiles(self.settings.agents), mode_settings=self.settings.modes,
            make_model=lambda name: calls.wrap(resolve_model(name, self.settings)), formats=self.formats, workflows=self.workflows,
            remote_agents=self.remote_agents,
            budget=self.turn_budget(), max_depth=self.settings.max_depth, run_mode=_run_mode,
            answer_schema=options.schema,
        )
        for notice in [*attached.notices, *filter(None, [calls.notice()])]:
            emit(Notice(message=notice, level="warning" if notice.endswith("not attached") else "info"))
        return turn, log

    def custom_commands(self, reserved: frozenset[str]) -> tuple[dict[str, CustomCommand], list[str]]:
        """The slash commands from command files (re-read when changed), and what was refused; `reserved`: built-in names."""
        return self.command_files.load(reserved)

    def _tools_for(self, names: tuple[str, ...] | None) -> tuple[ToolRegistry, ToolExecutor]:
        """The session's tools, or only those named (a custom command's `tools:`)."""
        if names is None:
            return self.registry, self.executor
        registry = ToolRegistry(tool for tool in self.registry if tool.name in names)
        return registry, ToolExecutor(registry, self.approvals, timeout=self.settings.tool_timeout, selection=self.tool_selection)

    def shell(self, command: str) -> ShellRun:
        """The user's own `!command`, to run in their shell in the workspace (see ShellRun.stream)."""
        return ShellRun(command, self.tool_context.workspace)

    def add_context(self, run: ShellRun) -> None:
        """Send a `!command` and its output with the next message (stored with it)."""
        self.pending_context.append(run)

    def _add_pending_context(self, attached: Attached) -> None:
        for run in self.pending_context:
            block = run.context()
            attached.text += "\n\n"
            attached.attachments.append(Attachment(path=f"!{run.command}", kind="shell", size=len(block.encode()), start=len(attached.text)))
            attached.text += block
            attached.notices.append(f"sent with this message: !{run.command} and its output")
        self.pending_context = []

    def complete_path(self, partial: str) -> list[str]:
        """What completes an @mention being typed: an MCP server's resource (SERVER:URI), else a path in the workspace."""
        resources = resource_completions(self.mcp_catalog, partial) if self.mcp.connections else []
        return resources + path_completions(partial, self.tool_context.workspace)

    def attach(self, text: str, within: int | None = None) -> Attached:
        """`text` with the files its @mentions (in the first `within` characters) name attached, and what to
        tell the user about them."""
        if "@" not in text:
            return Attached(text)
        return attach_mentions(text, self.tool_context.workspace, lambda: accepts_images(self.model_name), within)

    async def _run(self, turn: Turn, log: _TurnLog, queue: asyncio.Queue, answer: Answering | None) -> None:
        status, error = "done", None
        try:
            with using(self.tool_context):
                await self.mcp.wait_for_starting(lambda text: turn.emit(Notice(message=text)))
                async with self.memory.lock:
                    await self.memory.prepare(turn, self.model_name, log.stored)
                    await (answer(turn) if answer else get_mode(log.mode).run(turn))
                    if turn.answer_schema is not None:
                        await conform_answer(turn, turn.answer_schema)
        except asyncio.CancelledError:
            status = "interrupted"
        except BudgetExceededError as stop:
            status = "budget_limited"
            self._keep_partial(turn, log, stop)
        except AgentshError as failure:
            status, error = "failed", failure
        except Exception as failure:  # a bug must end the turn visibly, never hang the UI
            status, error = "failed", AgentshError(f"internal error: {type(failure).__name__}: {failure}")
        self._end_questions()
        if error is not None:
            turn.emit(Error(message=str(error), kind=type(error).__name__))
        if (notice := await self._checkpoint_after_turn()) is not None:
            turn.emit(Notice(message=notice, level="warning"))
        done = self._done_event(turn, status, log)
        try:
            problem = self._save(turn, log, status, error)
            if problem is not None:
                queue.put_nowait(problem)
                done = done.model_copy(update={"failed": True})
        finally:  # whatever happened, the stream ends, with the answer
            queue.put_nowait(done)
            queue.put_nowait(_END)

    async def ask_user(self, request: ElicitationRequest | SamplingRequest) -> Any:
        """Put a tool server's question to the user, through the running turn's events, and wait for the answer.

        None when no turn is running (nobody is there to answer) or the turn ended before the user answered.
        """
        future = request.answer if isinstance(request, ElicitationRequest) else request.decision
        if self._ask is None or future is None:
            return None
        self._questions.add(future)
        try:
            self._ask(request)
            return await future
        finally:
            self._questions.discard(future)

    def _server_callbacks(self, server: str) -> ServerCallbacks:
        """What MCP server `server` may ask: the user, to fill in a form; the session's model, with the user's leave."""
        from .mcp.elicitation import elicitation_callback  # the SDK's types: only once a server is connecting
        from .mcp.sampling import sampling_callback

        return ServerCallbacks(
            sampling=sampling_callback(server, self.ask_user, lambda: self.model), elicitation=elicitation_callback(server, self.ask_user),
        )

    def _end_questions(self) -> None:
        """The turn is over: questions still open get no answer (None), and later ones wait for no turn."""
        self._ask = None
        for future in list(self._questions):
            if not future.done():
                future.set_result(None)

    def _save(self, turn: Turn, log: _TurnLog, status: str, error: AgentshError | None) -> Error | None:
        """Write the turn; the error to show when that (or what follows it) fails."""
        try:
            self._finish(turn, log, status, str(error) if error else None)
        except Exception as failure:  # a full disk, a locked or read-only database, or a bug: the answer is still shown
            return Error(message=f"this turn was not saved: {_reason(failure)}", kind=type(failure).__name__)
        try:
            self.memory.after_turn(self.record)
        except AgentshError as failure:
            return Error(message=str(failure), kind=type(failure).__name__)
        return None

    def _keep_partial(self, turn: Turn, log: _TurnLog, stop: BudgetExceededError) -> None:
        """A spent budget: the answer so far (streamed, or the mode's best so far) is shown and kept as the answer."""
        turn.emit(Notice(message=str(stop), level="warning"))
        if not log.partial and (kept := turn.partial_work()):
            turn.emit(TextDelta(delta=kept))

    def _observe(self, event: Event, log: _TurnLog) -> None:
        if isinstance(event, TextDelta):
            if event.agent is None:
                log.partial.append(event.delta)
                self._maybe_checkpoint(log)
        elif event.type not in ("approval", "elicitation", "sampling", "waiting", "tool_progress"):  # questions hold futures; waits, progress: shown
            at = round((time.monotonic() - log.started) * 1000, 1)  # since the turn began: the trace's time per step
            log.events.append((event.type, {**event.model_dump(mode="json"), "at": at}))

    def _record_message(self, message: Message, log: _TurnLog) -> None:
        log.messages.append(message)
        log.partial.clear()
        self._checkpoint(log)

    def _maybe_checkpoint(self, log: _TurnLog) -> None:
        if time.monotonic() - log.last_checkpoint >= CHECKPOINT_INTERVAL:
            self._checkpoint(log)

    def _checkpoint(self, log: _TurnLog) -> None:
        # progress saved for a crash only: on a StoreError the turn goes on; _finish saves it or says why not
        with contextlib.suppress(StoreError):
            if len(log.messages) == log.checkpointed:  # a 10 MB prompt is not written again four times a second
                self.store.checkpoint_text(log.turn_id, "".join(log.partial))
            else:
                self.store.checkpoint(log.turn_id, log.messages, "".join(log.partial))
                log.checkpointed = len(log.messages)
        log.last_checkpoint = time.monotonic()  # after the attempt: a locked database must not stall every delta

    async def _stop(self) -> None:
        """The consumer stopped reading: cancel the turn and wait until it is saved."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.shield(task)

    def _finish(self, turn: Turn, log: _TurnLog, status: str, error: str | None) -> None:
        if status != "done":
            log.messages = repair_history(log.messages, "".join(log.partial), budget_limited=status == "budget_limited")
        summary = {
            "status": status, "prompt_tokens": turn.usage.prompt_tokens, "completion_tokens": turn.usage.completion_tokens,
            "cached_tokens": turn.usage.cached_tokens,
            "cost": turn.cost, "model_calls": turn.model_calls, "step_limited": int(turn.step_limited), "error": error,
            "cut": int(turn.cut and status == "done"),
        }
        self.store.finish_turn(log.turn_id, log.messages, log.events, summary)
        if self._history is not None:
            self._history.extend(log.messages)
            self._history_rows += len(log.messages)
        self.record = self.store.get(self.id)

    def _done_event(self, turn: Turn, status: str, log: _TurnLog) -> TurnDone:
        return TurnDone(
            session_id=self.id, output=turn.output or "".join(log.partial), usage=turn.usage.as_dict(), cost=turn.cost,
            model_calls=turn.model_calls, step_limited=turn.step_limited, interrupted=status == "interrupted",
            failed=status == "failed", cut=turn.cut and status == "done", budget_limited=status == "budget_limited",
        )


async def _run_mode(name: str, turn: Turn) -> None:
    """How a mode profile's mode runs, nested in a turn (agent/nesting.py)."""
    await get_mode(name).run(turn)


def _add_resources(attached: Attached, resources: ResourceBlocks) -> None:
    for block, attachment in zip(resources.blocks, resources.attachments, strict=True):
        attached.text += "\n\n"
        attachment.start = len(attached.text)
        attached.text += block
        attached.attachments.append(attachment)
    attached.notices += resources.notices


def _reason(failure: Exception) -> str:
    return str(failure) if isinstance(failure, AgentshError) else f"internal error: {type(failure).__name__}: {failure}"


def _report(failure: str, log: _TurnLog, queue: asyncio.Queue, observe) -> None:
    """A hook failure is shown and stored, but never dispatched to hooks again."""
    notice = Notice(message=failure, level="warning")
    observe(notice, log)
    queue.put_nowait(notice)


def open_store(settings: Settings, on_wait: OnWait | None = None) -> SessionStore:
    """The data home's session store; `on_wait(seconds)` hears about waits for another process's write."""
    return SessionStore(open_database(data_home(settings) / DB_FILENAME, settings.store_timeout, on_wait))


def _existing_record(store: SessionStore, resume: str | None, latest: bool, anywhere: bool, workspace: Path) -> SessionRecord | None:
    if resume:
        return store.get(resume)
    if anywhere:
        record = store.latest()
        if record is None:
            raise AgentshError("there is no earlier session to continue; start one without --continue")
        return record
    if latest:
        record = store.latest(workspace_of(workspace))
        if record is None:
            raise AgentshError(
                f"no earlier session was started in {workspace}; `agentsh -c --any` continues the latest one anywhere"
            )
        return record
    return None


def _make_loader(settings: Settings, workspace: Path) -> tuple[PluginLoader, list[str], ToolContext]:
    """The workspace's plugin loader, its notices, and what the session's tools see: the folder and what they must not touch."""
    directories, notices = plugin_directories(settings, workspace)
    protected = [*protected_paths(settings, directories, data_home(settings)), workspace / WORKSPACE_DIR]  # its .py files are plugins
    tool_context = ToolContext.create(workspace, protected)
    return PluginLoader(directories, ToolRegistry()), notices, tool_context


def _with_local_offer(notice: str) -> str:
    """The offline fallback's notice, offering a model server running on this machine when there is one."""
    offer = local_offer()
    return f"{notice} {offer}" if offer else notice
