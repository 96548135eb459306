"""The exceptions agentsh raises, as one small tree.

    AgentshError              anything agentsh reports to the user as one clear line
    ├── UsageError            a bad command line or argument (exit status 2)
    ├── ConfigError           a config file or setting that cannot be used
    ├── ModelError            the model or its provider failed (after retries, if any)
    │   ├── ModelAuthError        a key is missing or was rejected (never retried)
    │   ├── ModelRequestError     the provider refused the request as malformed (never retried)
    │   ├── ModelStreamError      a stream ended without a response or a finish reason, or stalled
    │   │   └── AnswerTimeoutError    an answer still streaming at `answer_timeout` (never retried)
    │   └── ContextWindowError    the request does not fit the model's context window
    ├── ToolError             a tool call could not produce a result (the model reads why)
    │   └── ToolExit              the tool called sys.exit()
    ├── CheckpointError       the workspace's files cannot be snapshotted or restored (/undo, /rewind)
    ├── StoreError            the session database cannot be used
    │   └── DatabaseBusy          another process held its write lock longer than agentsh waits
    └── PluginError           a plugin file failed to load (reported, skipped; the others work)

`str(error)` is always a complete sentence fit for a terminal: no traceback needed.
Anything else that escapes a turn is a bug, and is shown as "internal error: ...".
"""

from __future__ import annotations

__all__ = [
    "AgentshError",
    "AnswerTimeoutError",
    "CheckpointError",
    "ConfigError",
    "ContextWindowError",
    "DatabaseBusy",
    "ModelAuthError",
    "ModelError",
    "ModelRequestError",
    "ModelStreamError",
    "PluginError",
    "StoreError",
    "ToolError",
    "ToolExit",
    "UsageError",
]


class AgentshError(Exception):
    """Base of every error agentsh reports to the user; `exit_code` is the CLI's exit status for it."""

    exit_code = 1


class UsageError(AgentshError):
    """A command line or argument agentsh cannot use; the CLI exits with status 2."""

    exit_code = 2


class ConfigError(AgentshError):
    """A config file, environment variable or setting that cannot be used, named with the fix."""


class ModelError(AgentshError):
    """The model or its provider failed; raised after the retries `retryable` allows are spent."""

    retryable = False


class ModelAuthError(ModelError):
    """The provider's API key is missing or was rejected; never retried."""


class ModelRequestError(ModelError):
    """The provider refused the request itself (bad parameters, unknown model); never retried."""


class ModelStreamError(ModelError):
    """The answer stream broke off, stalled, or ended without a response; retried while no text was shown."""

    retryable = True


class AnswerTimeoutError(ModelStreamError):
    """An answer was still streaming when `answer_timeout` ran out; what arrived is kept."""

    retryable = False  # an answer that would not end would not end again


class ContextWindowError(ModelError):
    """The request does not fit the model's context window (the turn compacts and tries once more)."""


class ToolError(AgentshError):
    """A tool call that cannot produce a result: its message becomes the error result the model reads.

    The executor raises it for an unknown tool, bad arguments, a denial or a timeout; a tool may
    raise it to word its own failure (any other exception is reported with its type's name).
    """


class ToolExit(ToolError):
    """A tool called `sys.exit()`: a failure of that call, never the end of agentsh."""


class StoreError(AgentshError):
    """The session database cannot be opened, read or written."""


class DatabaseBusy(StoreError):
    """Another process held the session database's write lock for longer than agentsh waits (`store_timeout`)."""


class PluginError(AgentshError):
    """A plugin file (or entry point) failed to load; it is skipped and the others keep working.

    `str(error)` names the plugin; `detail` is the failure alone, as `/plugins` lists it.
    """

    def __init__(self, plugin: str, detail: str) -> None:
        super().__init__(f"{plugin}: failed to load: {detail}")
        self.plugin = plugin
        self.detail = detail


class CheckpointError(AgentshError):
    """A workspace snapshot for /undo could not be taken or restored: git missing, a tree too big, files changed since."""
