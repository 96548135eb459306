"""A remote agent's replies (the SDK's StreamResponse objects) read into text, progress and an outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from a2a.helpers import get_artifact_text, get_message_text
from a2a.types.a2a_pb2 import Artifact, StreamResponse, Task, TaskState, TaskStatus

from ..errors import RemoteAgentError
from ..text import folded

OUTCOMES: dict[int, str] = {  # a state the task stops in without an answer: what the user is told
    TaskState.TASK_STATE_FAILED: "failed",
    TaskState.TASK_STATE_REJECTED: "rejected the task",
    TaskState.TASK_STATE_CANCELED: "cancelled the task",
    TaskState.TASK_STATE_INPUT_REQUIRED: "asked for input",
    TaskState.TASK_STATE_AUTH_REQUIRED: "asked for authorization",
}


@dataclass
class Reply:
    """One request's replies as they come: `on_text` gets each new piece of the answer, `on_status` each status message."""

    on_text: Callable[[str], None]
    on_status: Callable[[str, str], None]  # (state, its message)
    task_id: str = ""
    state: int = TaskState.TASK_STATE_UNSPECIFIED
    status_text: str = ""
    message_text: str | None = None  # a reply that is a plain message, not a task
    _artifacts: dict[str, str] = field(default_factory=dict)  # artifact id → its text so far, in order

    def read(self, response: StreamResponse) -> None:
        kind = response.WhichOneof("payload")
        if kind == "task":
            self._task(response.task)
        elif kind == "message":
            self.message_text = get_message_text(response.message)
            self._grow("message", self.message_text, append=False)
        elif kind == "status_update":
            self.task_id = self.task_id or response.status_update.task_id
            self._status(response.status_update.status)
        elif kind == "artifact_update":
            self._artifact(response.artifact_update.artifact, response.artifact_update.append)

    @property
    def waiting(self) -> bool:
        """The remote task waits for input or authorization this side will not give."""
        return self.state in (TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED)

    def answer(self, name: str) -> str:
        """The answer, or the RemoteAgentError that says why there is none."""
        if self.message_text is not None:
            return self.message_text
        if self.state in OUTCOMES:
            said = f": {folded(self.status_text, 400)}" if self.status_text.strip() else ""
            raise RemoteAgentError(f"the remote agent {name!r} {OUTCOMES[self.state]}{said}")
        if self.state != TaskState.TASK_STATE_COMPLETED:
            raise RemoteAgentError(f"the remote agent {name!r} stopped answering before its task finished")
        return "\n\n".join(text for text in self._artifacts.values() if text) or self.status_text

    def _task(self, task: Task) -> None:
        self.task_id = task.id
        for artifact in task.artifacts:
            self._artifact(artifact, append=False)
        self._status(task.status)

    def _status(self, status: TaskStatus) -> None:
        self.state = status.state
        text = get_message_text(status.message) if status.HasField("message") else ""
        self.status_text = text or self.status_text
        if text and status.state not in OUTCOMES and status.state != TaskState.TASK_STATE_COMPLETED:
            self.on_status(TaskState.Name(status.state).removeprefix("TASK_STATE_").lower(), text)

    def _artifact(self, artifact: Artifact, append: bool) -> None:
        self._grow(artifact.artifact_id, get_artifact_text(artifact, ""), append)

    def _grow(self, key: str, text: str, append: bool) -> None:
        """Only what is new is streamed: a whole artifact sent again after its chunks adds nothing."""
        before = self._artifacts.get(key, "")
        after = before + text if append else text
        self._artifacts[key] = after
        if after.startswith(before) and len(after) > len(before):
            others = any(text for other, text in self._artifacts.items() if other != key)
            separator = "\n\n" if not before and others else ""
            self.on_text(separator + after[len(before):])
