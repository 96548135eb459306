"""Going back: /retry and /edit replace the last turn, /undo and /rewind restore files (and the conversation).

`Session` inherits these. A replaced or rewound conversation is first copied whole into a fork
(a new stored session whose title says why), so nothing said is lost; this session then drops
the turns that were replaced and goes on under the same id.

Files: before the first call in a turn to a tool that asks approval (write_file, run_shell, ...)
the workspace is snapshotted into a shadow git repository in the data home (tools/checkpoints.py),
and again when the turn ends; the two name the turn's changes (refs `<session>/<turn>/before|after`).
Undoing a turn puts back what it changed, and refuses when one of those files changed since.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import data_home
from .errors import AgentshError, CheckpointError
from .messages import Message
from .store.rewind import UserMessage, has_running_turn, keep_as_fork, truncate_session, turns_from, user_messages
from .tools.checkpoints import Change, ShadowRepo

if TYPE_CHECKING:
    from .config import Settings
    from .store.records import SessionRecord
    from .store.sessions import SessionStore
    from .tools.context import ToolContext

CHECKPOINT_DIR = "checkpoints"


@dataclass(frozen=True)
class TurnFiles:
    """One turn's snapshots: the workspace before its first file-changing tool call, and when it ended."""

    turn_id: int
    before: str
    after: str


@dataclass
class Restored:
    """What putting files back did: paths written back, paths removed (the turns had created them)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"restored {', '.join(self.written)}" if self.written else "", f"removed {', '.join(self.removed)}" if self.removed else ""]
        return "; ".join(part for part in parts if part) or "no files to restore"


@dataclass(frozen=True)
class RewindPoint:
    number: int  # 1 = the session's first user message
    text: str
    changed_files: bool


class SessionRewind:
    settings: Settings
    store: SessionStore
    record: SessionRecord
    tool_context: ToolContext
    _task: asyncio.Task | None
    _history: list[Message] | None
    _shadow_repo: ShadowRepo | None = None
    _checkpoint_turn: int | None = None
    _checkpoint_before: str | None = None
    _checkpoints_off: str | None = None  # why, once a snapshot failed: said once, not tried again this session
    _checkpoint_lock: asyncio.Lock | None = None

    @property
    def id(self) -> str:
        raise NotImplementedError

    @property
    def persisted(self) -> bool:
        raise NotImplementedError

    # the conversation -----------------------------------------------------------------

    def last_user_text(self) -> str:
        """The last message the user sent in this session."""
        messages = self._user_messages()
        if not messages:
            raise AgentshError("there is no message to go back to yet: this session has none")
        return messages[-1].content

    def last_answer(self) -> str:
        """The text of the last answer in this session."""
        for message in reversed(self.history()):
            if message.role == "assistant" and message.content.strip():
                return message.content
        raise AgentshError("there is no answer to copy yet")

    def replace_last_turn(self) -> SessionRecord:
        """Drop the last turn (for /retry and /edit); returns the fork that keeps it."""
        messages = self._user_messages()
        if not messages:
            raise AgentshError("there is no message to go back to yet: this session has none")
        return self._cut_at(messages[-1].seq, "replaced turn")

    def rewind_points(self) -> list[RewindPoint]:
        """Each turn this session can go back to, numbered from 1."""
        saved = {turn.turn_id for turn in self._turns_with_files()}
        return [RewindPoint(n, m.content, m.turn_id in saved) for n, m in enumerate(self._user_messages(), 1)]

    def rewind(self, number: int, force: bool = False) -> tuple[SessionRecord, Restored, str]:
        """Go back to before turn `number`: its files and those of later turns restored, the conversation cut there.
        Returns the fork that keeps the whole conversation, what was restored, and the text of that turn's message."""
        messages = self._user_messages()
        if not 1 <= number <= len(messages):
            raise AgentshError(f"there is no turn {number}: this session has {len(messages)} (/rewind lists them)")
        target = messages[number - 1]
        later = turns_from(self.store, self.id, target.seq)
        restored = self._restore_turns([turn for turn in self._turns_with_files() if turn.turn_id in later], force)
        return self._cut_at(target.seq, f"before rewind to turn {number}"), restored, target.content

    def _cut_at(self, seq: int, reason: str) -> SessionRecord:
        self._refuse_while_running()
        fork = keep_as_fork(self.store, self.id, f"{self.record.title or 'untitled'} ({reason})")
        truncate_session(self.store, self.id, seq)
        self._history = None
        self.record = self.store.get(self.id)
        return fork

    def _user_messages(self) -> list[UserMessage]:
        return user_messages(self.store, self.id) if self.persisted else []

    def _refuse_while_running(self) -> None:
        if (self._task is not None and not self._task.done()) or (self.persisted and has_running_turn(self.store, self.id)):
            raise AgentshError("a turn is running: wait for it to finish, or cancel it (Esc / Ctrl+C), then try again")

    # files ------------------------------------------------------------------------------

    def undo_files(self, force: bool = False) -> tuple[str, Restored]:
        """Put back the files the last turn that changed any changed; returns which turn that was and what was done."""
        turns = self._turns_with_files()
        if not turns:
            why = f" ({self._checkpoints_off})" if self._checkpoints_off else ""
            raise AgentshError(f"there are no file changes to undo in this session{why}")
        last = turns[-1]
        restored = self._restore_turns([last], force)
        numbers = [n for n, m in enumerate(self._user_messages(), 1) if m.turn_id == last.turn_id]
        return (f"turn {numbers[0]}" if numbers else "a turn since replaced (/retry, /edit)"), restored

    def _restore_turns(self, turns: list[TurnFiles], force: bool) -> Restored:
        """Undo `turns` newest first, after checking that no file they changed was changed again since."""
        if not turns:
            return Restored()
        self._refuse_while_running()
        shadow = self._shadow()
        changes = {turn.turn_id: shadow.changes(turn.before, turn.after) for turn in turns}
        if not force:
            self._refuse_if_changed_since(turns, changes)
        restored = Restored()
        for turn in sorted(turns, key=lambda t: t.turn_id, reverse=True):
            shadow.restore(turn.before, changes[turn.turn_id])
            restored.written += [c.path for c in changes[turn.turn_id] if not c.added and c.path not in restored.written]
            restored.removed += [c.path for c in changes[turn.turn_id] if c.added and c.path not in restored.removed]
            for name in ("before", "after"):
                shadow.drop(f"{self.id}/{turn.turn_id:010d}/{name}")
        restored.written = [path for path in restored.written if path not in restored.removed]
        return restored

    def _refuse_if_changed_since(self, turns: list[TurnFiles], changes: dict[int, list[Change]]) -> None:
        """Each path must be as the newest turn that changed it left it: else undoing would lose someone's edit."""
        shadow = self._shadow()
        newest: dict[str, str] = {}
        for turn in sorted(turns, key=lambda t: t.turn_id):
            newest.update({change.path: turn.after for change in changes[turn.turn_id]})
        now = shadow.snapshot()
        by_commit: dict[str, list[str]] = {}
        for path, commit in newest.items():
            by_commit.setdefault(commit, []).append(path)
        edited = sorted(c.path for commit, paths in by_commit.items() for c in shadow.changes(commit, now, paths))
        if edited:
            raise CheckpointError(
                f"not restored: {', '.join(edited)} changed after agentsh wrote it; restoring would lose that change "
                "(add --force to restore anyway)"
            )

    def _turns_with_files(self) -> list[TurnFiles]:
        """This session's turns that changed files and are not undone, oldest first."""
        if not self.persisted:
            return []
        try:
            saved = self._shadow().saved(self.id)
        except CheckpointError:
            return []
        turns = []
        for name, before in saved.items():
            turn, _, kind = name.partition("/")
            if kind == "before" and f"{turn}/after" in saved:
                turns.append(TurnFiles(int(turn), before, saved[f"{turn}/after"]))
        return sorted(turns, key=lambda t: t.turn_id)

    def _close_checkpoints(self) -> None:
        if self._shadow_repo is not None:
            self._shadow_repo.close()

    def _shadow(self) -> ShadowRepo:
        if self._shadow_repo is None:
            self._shadow_repo = ShadowRepo(data_home(self.settings) / CHECKPOINT_DIR, Path(self.tool_context.workspace))
        return self._shadow_repo

    # checkpoints during a turn ------------------------------------------------------------

    def _begin_checkpoints(self, turn_id: int) -> None:
        self._checkpoint_turn, self._checkpoint_before = turn_id, None

    async def _checkpoint_before_change(self) -> str | None:
        """Before a tool that may change files runs: the turn's first snapshot. A notice when there can be none."""
        if self._checkpoint_lock is None:
            self._checkpoint_lock = asyncio.Lock()
        async with self._checkpoint_lock:  # calls from one answer run at once: one snapshot for them all
            if self._checkpoint_before is not None or self._checkpoints_off or self._checkpoint_turn is None:
                return None
            try:
                self._checkpoint_before = await asyncio.to_thread(self._snapshot_as, "before")
            except CheckpointError as failure:
                self._checkpoints_off = str(failure)
                return str(failure)
        return None

    async def _checkpoint_after_turn(self) -> str | None:
        """When a turn that snapshotted ends: the second snapshot, or nothing kept if no file changed."""
        before, self._checkpoint_before = self._checkpoint_before, None
        if before is None or self._checkpoint_turn is None:
            return None
        try:
            await asyncio.to_thread(self._keep_if_changed, self._checkpoint_turn, before)
        except CheckpointError as failure:
            return str(failure)
        return None

    def _snapshot_as(self, name: str) -> str:
        commit = self._shadow().snapshot()
        self._shadow().save(f"{self.id}/{self._checkpoint_turn:010d}/{name}", commit)
        return commit

    def _keep_if_changed(self, turn_id: int, before: str) -> None:
        shadow = self._shadow()
        after = shadow.snapshot()
        if shadow.changes(before, after):
            shadow.save(f"{self.id}/{turn_id:010d}/after", after)
        else:
            shadow.drop(f"{self.id}/{turn_id:010d}/before")

    def history(self) -> list[Message]:
        raise NotImplementedError
