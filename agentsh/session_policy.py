"""What the UIs ask of a session besides a turn: listings, memory, plugins, export, background events.

`Session` inherits these, so a UI calls `session.recent_sessions(20)` and never reaches into the
session's store, plugin loader, memory or tool registry (tests/test_architecture.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .agent.budget import Limits, Spent, TurnBudget
from .custom_commands import TurnOptions
from .errors import UsageError, WorkflowError
from .mcp.prompts import prompt_arguments
from .workflows.loader import user_workflow_dir
from .workflows.plans import check_name, plan_to_toml

if TYPE_CHECKING:
    from .config import Settings
    from .events import Event
    from .instructions import Instructions
    from .mcp import McpManager, ServerStatus
    from .mcp.catalog import McpCatalog
    from .memory.session_memory import SessionMemory
    from .memory.store import MemoryRecord
    from .messages import Message
    from .plugin_loader.loader import PluginChange, PluginLoader, PluginStatus
    from .stats.report import StatsReport
    from .store.records import SessionRecord
    from .store.search import SearchHit
    from .store.sessions import SessionStore
    from .tools.registry import ToolRegistry
    from .tools.tool import Tool
    from .workflows.loader import WorkflowCatalog

Listener = Callable[["Event"], None]


@dataclass(frozen=True)
class ContextPart:
    """One part of what a request to the model is made of, for /context."""

    name: str
    tokens: int
    detail: str = ""


def visible_positions(history: list[Message]) -> list[int]:
    """Where the user's messages and the answers with text are in `history`."""
    return [i for i, m in enumerate(history) if m.role == "user" or (m.role == "assistant" and m.content.strip())]


class SessionPolicy:
    settings: Settings
    record: SessionRecord
    instructions: Instructions
    store: SessionStore
    loader: PluginLoader
    memory: SessionMemory
    registry: ToolRegistry
    workflows: WorkflowCatalog
    mcp: McpManager
    mcp_catalog: McpCatalog
    _listeners: list[Listener]
    _budget_limits: Limits | None = None

    @property
    def id(self) -> str:
        raise NotImplementedError

    @property
    def persisted(self) -> bool:
        raise NotImplementedError

    def history(self) -> list[Message]:
        raise NotImplementedError

    def how_to_continue(self, plain: bool = False) -> str | None:
        """What to type to come back to this session (with the REPL's flag when `plain`); None when it was never written."""
        if not self.persisted:
            return None
        from pathlib import Path

        from .store.records import workspace_of

        app = "agentsh --plain" if plain else "agentsh"
        here = self.record.workspace == workspace_of(Path.cwd())
        latest_here = f"{app} -c (the latest session started here) or " if here else ""
        return f"session {self.id} saved · continue it with: {latest_here}{app} --resume {self.id}"

    def system_prompt(self) -> str:
        """The first message of every request: the configured system prompt, then the project instructions.
        The same on every turn of the session, so that providers can cache every request's beginning."""
        block = self.instructions.block()
        return f"{self.settings.system_prompt}\n\n{block}" if block else self.settings.system_prompt

    def context_parts(self) -> list[ContextPart]:
        """/context: what the next request is made of, in the order it is sent, with estimated tokens."""
        from .memory.compaction import summary_block
        from .models.base import estimate_tokens

        parts = [ContextPart("system prompt", _tokens(self.settings.system_prompt), "the configured one (system_prompt)")]
        parts += [ContextPart(f.path.name, f.tokens, f"{f.path} ({f.status if f.used else 'ignored: ' + f.status})") for f in self.instructions.files]
        tools = self.tools()
        parts.append(ContextPart("tool schemas", estimate_tokens([], [t.schema() for t in tools]), f"{len(tools)} tools"))
        compactor = self.memory.compactor
        if compactor.summary:
            parts.append(ContextPart("summary of compacted turns", _tokens(summary_block(compactor.summary)), f"{compactor.covers} messages"))
        history = self.memory.context(self.history())
        parts.append(ContextPart("conversation", estimate_tokens(history), f"{len(history)} messages"))
        pinned = self.memory.store.list(limit=100, pinned_only=True)
        if pinned:
            parts.append(ContextPart("pinned memories", sum(_tokens(m.text) for m in pinned), f"{len(pinned)}, recalled with your messages"))
        return parts

    # budgets ----------------------------------------------------------------------

    @property
    def budget_limits(self) -> Limits:
        """The limits this session's turns run under: `[budget]` and the flags, then what /budget set."""
        if self._budget_limits is None:
            self._budget_limits = Limits(**self.settings.budget.model_dump())
        return self._budget_limits

    def set_budget(self, name: str, value: float | None) -> Limits:
        """Change one limit (a `Limits` field; None removes it) for this session's next turns."""
        if name not in {f.name for f in fields(Limits)}:
            raise UsageError(f"unknown budget {name!r}; known: {', '.join(f.name for f in fields(Limits))}")
        if value is not None and value <= 0:
            raise UsageError(f"a budget must be more than 0, not {value:g} (use 'off' to remove it)")
        number: float | int | None = value if value is None or name.endswith("cost") else int(value)
        self._budget_limits = replace(self.budget_limits, **{name: number})  # type: ignore[arg-type]
        return self._budget_limits

    def budget_spent(self) -> tuple[Spent, Spent]:
        """What this session and today (since local midnight, every session) have spent so far."""
        session = Spent(*self.store.spent(session_id=self.id)) if self.persisted else Spent()
        midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        return session, Spent(*self.store.spent(since=midnight.astimezone(UTC).isoformat(timespec="milliseconds")))

    def turn_budget(self) -> TurnBudget:
        limits = self.budget_limits
        wanted = any(getattr(limits, f.name) is not None for f in fields(Limits) if not f.name.startswith("max_"))
        session, day = self.budget_spent() if wanted else (Spent(), Spent())
        return TurnBudget(limits, session, day)

    def close_store(self, checkpoint: bool = True) -> None:
        """At a clean exit, after `aclose`: the store is checkpointed and closed (no `-wal` file left behind).
        The sessions that share it cannot be used after this. `checkpoint=False`: closed only, for a process
        that keeps another connection to the database open (the service's tasks: a checkpoint each would
        stall every other task's turn for its fsync)."""
        self.store.close(checkpoint)

    def notice_level(self, notice: str) -> Literal["info", "warning"]:
        """How one of `notices` is shown: what was loaded is information; the rest asks for attention."""
        return "info" if notice == self.instructions.loaded_notice() else "warning"

    def context_fill(self) -> int:
        """About how many tokens the next request fills of the model's context (the /context estimate)."""
        return sum(part.tokens for part in self.context_parts())

    def context_window(self) -> int | None:
        """How many tokens the session's model can read; None when unknown. Blocking: may import litellm."""
        from .models.context import context_window

        return context_window(self.record.model)

    # background events ----------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """`listener` gets what background work reports outside any turn (memory consolidation: facts learned, failures)."""
        self._listeners.append(listener)

    def _background_event(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    # sessions in the store ------------------------------------------------------

    def recent_sessions(self, limit: int, here: bool = False) -> list[SessionRecord]:
        """Stored sessions, the most recently used first, one-shot `agentsh run` ones after the interactive ones;
        with `here`, only those started in the current folder."""
        from pathlib import Path

        from .store.records import workspace_of

        return self.store.list(limit, workspace_of(Path.cwd()) if here else None, interactive_first=True)

    def find_session(self, id_or_prefix: str) -> SessionRecord:
        return self.store.get(id_or_prefix)

    def search_messages(self, query: str, limit: int) -> list[SearchHit]:
        """Full-text search over every stored message of every session."""
        from .store.search import search_messages

        return search_messages(self.store.db, query, limit)

    def recent_messages(self, limit: int) -> list[Message]:
        """This session's newest stored messages, oldest first (all of them: `history()`)."""
        return self.store.recent_messages(self.id, limit) if self.persisted else []

    def answer_was_cut(self) -> bool:
        """Whether this session's last answer stopped at the model's token cap (/continue goes on with it)."""
        last = self.recent_messages(1)
        return bool(last) and last[-1].role == "assistant" and last[-1].cut

    def workflow_modes(self) -> list[tuple[str, str, bool]]:
        """(`workflow:NAME`, its description, whether it checks) of every workflow file, as they are on disk now."""
        self.workflows.refresh()
        return [
            (f"workflow:{name}", status.workflow.spec.description if status.workflow else "", status.ok)
            for name, status in sorted(self.workflows.statuses.items())
        ]

    def save_plan(self, name: str) -> Path:
        """/save-plan: the plan of this session's last planner turn (its last replan, if any), as a workflow file
        in the user's workflow folder; WorkflowError when there is none, or the name is taken or not a name."""
        check_name(name)
        step = self.store.last_step(self.id, ("plan", "replan")) if self.persisted else None
        if step is None:
            raise WorkflowError("no plan to save: /save-plan works after a planner turn (/mode planner)")
        path = user_workflow_dir() / f"{name}.toml"
        if path.exists():
            raise WorkflowError(f"{path} exists already: choose another name, or delete it first")
        text = plan_to_toml({"goal": step["title"], **step.get("data", {})}).replace("workflow:NAME", f"workflow:{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def fork(self, at: int | None = None) -> SessionRecord:
        """A new stored session with this one's first `at` visible messages (all by default; tool calls and
        their results are not counted, and go with the message they belong to), its mode and model."""
        if at is None:
            return self.store.fork(self.id, None)
        visible = visible_positions(self.history())
        if not 0 <= at <= len(visible):
            raise UsageError(f"this session has {len(visible)} messages to fork at: give a number from 0 to {len(visible)} (/fork list shows them)")
        return self.store.fork(self.id, visible[at - 1] + 1 if at else 0)

    def visible_messages(self) -> list[Message]:
        """The messages a user sees in the transcript, in order: theirs and the answers (not tool calls and results)."""
        history = self.history()
        return [history[index] for index in visible_positions(history)]

    def export(self, kind: str) -> str:
        """This session as Markdown (`md`) or JSON (`json`)."""
        from .store.transfer import export_text

        return export_text(self.store, self.id, kind)

    # spend ----------------------------------------------------------------------

    def spend_reports(self) -> tuple[StatsReport, StatsReport]:
        """/stats and /cost: this session's spend by mode and model, and today's (every session) by model."""
        from .stats.report import session_reports

        return session_reports(self.store.db, self.id, self.record.created_at)

    # tools and plugins ----------------------------------------------------------

    def tools(self) -> list[Tool]:
        """The tools the model can call now (plugin files re-read first)."""
        self.loader.refresh()
        return list(self.registry)

    def plugin_statuses(self) -> list[PluginStatus]:
        """Each plugin file (and built-in tool source) with its tools or its error, after re-reading the files."""
        self.loader.refresh()
        return self.loader.statuses()

    def plugin_changes(self) -> list[PluginChange]:
        """What changed in the plugin files since the last look, and name clashes not reported yet."""
        return self.loader.news()

    # MCP servers ----------------------------------------------------------------

    def mcp_servers(self) -> list[ServerStatus]:
        """Each configured MCP server: its state (starting, ready with N tools, failed and why), tools and log file."""
        return self.mcp.statuses()

    def mcp_prompts(self) -> dict[str, str]:
        """Each MCP prompt as a slash command, SERVER:PROMPT → its description (as listed by servers that are ready)."""
        return {name: prompt.description or f"prompt from MCP server {server}" for name, (server, prompt) in self.mcp_catalog.prompts().items()}

    def mcp_prompt_options(self, command: str, rest: str) -> TurnOptions | None:
        """The turn options that send MCP prompt `command` (SERVER:PROMPT) with `rest` as its arguments; None when
        no ready server offers it. AgentshError names a missing or unknown argument."""
        found = self.mcp_catalog.prompts().get(command)
        if found is None:
            return None
        server, prompt = found
        arguments = prompt_arguments(command, prompt, rest)
        return TurnOptions(prompt=(server, prompt.name, tuple(arguments.items())))

    def restart_mcp_server(self, name: str) -> None:
        """Connect to server `name` afresh now (KeyError names the servers there are)."""
        self.mcp.restart(name)

    # long-term memory -----------------------------------------------------------

    def memories(self, words: str | None = None, limit: int = 50) -> list[MemoryRecord]:
        """Long-term memories: the newest, or those matching `words`."""
        store = self.memory.store
        return store.list(limit) if words is None else store.search(words, limit)

    def remember(self, text: str) -> tuple[MemoryRecord, bool]:
        """Add a memory from this session; False when it was already known."""
        return self.memory.store.add(text, source_session_id=self.id)

    def forget(self, *memory_ids: str) -> list[MemoryRecord]:
        return self.memory.store.forget(*memory_ids)

    def pin_memory(self, memory_id: str, pinned: bool = True) -> MemoryRecord:
        """A pinned memory is recalled before every answer."""
        return self.memory.store.set_pinned(memory_id, pinned)


def _tokens(text: str) -> int:
    from .models.base import CHARS_PER_TOKEN

    return len(text) // CHARS_PER_TOKEN
