"""The exceptions agentsh raises, as one small tree.

    AgentshError              anything agentsh reports to the user as one clear line
    ├── UsageError            a bad command line or argument (exit status 2)
    ├── ConfigError           a config file or setting that cannot be used
    ├── ModelError            the model or its provider failed (after retries, if any)
    │   ├── ModelAuthError        a key is missing or was rejected (never retried)
    │   ├── ModelRequestError     the provider refused the request as malformed (never retried)
    │   │   └── ResponseFormatError   it refused the structured-output format asked for (the next one is tried)
    │   ├── ModelConnectionError  nothing answered at the provider's address (retried once, quickly)
    │   ├── ModelStreamError      a stream ended without a response or a finish reason, or stalled
    │   │   ├── AnswerTimeoutError    an answer still streaming at `answer_timeout` (never retried)
    │   │   └── FirstTokenTimeoutError  no answer began within `first_token_timeout` (never retried)
    │   ├── ContextWindowError    the request does not fit the model's context window
    │   ├── EmptyAnswerError      the model answered nothing: no text, no tool calls (only its stop string)
    │   ├── QuorumError           too few of a multi-agent mode's agents are left to go on
    │   └── AnswerSchemaError     no answer that is an instance of `agentsh run --schema` could be obtained
    ├── ToolError             a tool call could not produce a result (the model reads why)
    │   └── ToolExit              the tool called sys.exit()
    ├── BudgetExceededError   a turn, session or day budget (cost, tokens, model calls) is spent: the turn stops
    ├── NestingLimitError     modes nested deeper than `max_depth` (a mode profile inside a mode ...)
    ├── CheckpointError       the workspace's files cannot be snapshotted or restored (/undo, /rewind)
    ├── StoreError            the session database cannot be used
    │   └── DatabaseBusy          another process held its write lock longer than agentsh waits
    ├── PluginError           a plugin file failed to load (reported, skipped; the others work)
    ├── RemoteAgentError      a remote A2A agent (`[agents.NAME] url`) could not be reached, refused, or did not answer
    ├── ServiceError          the task service (`agentsh serve`) cannot be reached, started, or refused a request
    └── WorkflowError         a workflow file does not check, or one of its nodes failed

`str(error)` is always a complete sentence fit for a terminal: no traceback needed.
Anything else that escapes a turn is a bug, and is shown as "internal error: ...".
"""

from __future__ import annotations

__all__ = [
    "AgentshError",
    "AnswerSchemaError",
    "AnswerTimeoutError",
    "BudgetExceededError",
    "CheckpointError",
    "ConfigError",
    "ContextWindowError",
    "DatabaseBusy",
    "EmptyAnswerError",
    "FirstTokenTimeoutError",
    "ModelAuthError",
    "ModelConnectionError",
    "ModelError",
    "ModelRequestError",
    "ModelStreamError",
    "NestingLimitError",
    "PluginError",
    "QuorumError",
    "RemoteAgentError",
    "ResponseFormatError",
    "ServiceError",
    "StoreError",
    "ToolError",
    "ToolExit",
    "UsageError",
    "WorkflowError",
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
    """The model or its provider failed; raised after the retries `retryable` allows are spent.

    `retry_limit` caps the `retries` setting for this kind of failure, and `retry_delay` replaces
    the backoff (None: the setting and the backoff decide).
    """

    retryable = False
    retry_limit: int | None = None
    retry_delay: float | None = None


class ModelAuthError(ModelError):
    """The provider's API key is missing or was rejected; never retried."""


class ModelRequestError(ModelError):
    """The provider refused the request itself (bad parameters, unknown model); never retried."""


class ModelConnectionError(ModelError):
    """Nothing answered at the provider's address (a local server not running, a wrong base URL).

    Retried once, at once: a server that is starting may be up a moment later; one that is not
    will not be up after a backoff either.
    """

    retryable = True
    retry_limit = 1
    retry_delay = 0.25


class ResponseFormatError(ModelRequestError):
    """The provider refused the response format (or a parameter it does not support); structured calls
    step down the ladder (json_schema, json_object, the schema in the prompt) at once, never with backoff."""


class ModelStreamError(ModelError):
    """The answer stream broke off, stalled, or ended without a response; retried while no text was shown."""

    retryable = True


class AnswerTimeoutError(ModelStreamError):
    """An answer was still streaming when `answer_timeout` ran out; what arrived is kept."""

    retryable = False  # an answer that would not end would not end again


class FirstTokenTimeoutError(ModelStreamError):
    """No answer began within `first_token_timeout`; the prompt is not sent again (it would wait as long)."""

    retryable = False


class ContextWindowError(ModelError):
    """The request does not fit the model's context window (the turn compacts and tries once more)."""


class EmptyAnswerError(ModelError):
    """The model's answer was empty: no text and no tool calls (it sent only its stop string).

    Never taken as an answer: the turn fails with it, and a sub-agent is asked once more first.
    """


class QuorumError(ModelError):
    """A multi-agent mode (debate, events) lost so many agents to failures that too few are left
    (its quorum setting); the message names who failed and why."""


class AnswerSchemaError(ModelError):
    """`agentsh run --schema`: the model gave no answer that is a valid instance of the schema,
    even restated through the structured-output ladder."""


class ToolError(AgentshError):
    """A tool call that cannot produce a result: its message becomes the error result the model reads.

    The executor raises it for an unknown tool, bad arguments, a denial or a timeout; a tool may
    raise it to word its own failure (any other exception is reported with its type's name).
    """


class ToolExit(ToolError):
    """A tool called `sys.exit()`: a failure of that call, never the end of agentsh."""


class ServiceError(AgentshError):
    """The task service cannot be reached or started, or it refused a request (`agentsh jobs`, `run --background`).

    `status` is the HTTP status of a refusal (404: no such task, 409: already finished), None when nothing answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


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


class RemoteAgentError(AgentshError):
    """A remote A2A agent could not be reached, refused the request, failed, or asked for input it cannot get."""


class CheckpointError(AgentshError):
    """A workspace snapshot for /undo could not be taken or restored: git missing, a tree too big, files changed since."""


class WorkflowError(AgentshError):
    """A workflow file that does not check (each problem with its file, line and a suggestion), an unknown
    workflow, or a run that failed at a node (after its retries; compensations have run)."""


class BudgetExceededError(AgentshError):
    """A budget (`[budget]`, --max-cost, /budget) is spent: no more model calls this turn.

    The turn stops cleanly: its partial work is kept and marked budget-limited; the message says how to raise the limit.
    """


class NestingLimitError(AgentshError):
    """A mode profile would run a mode nested deeper than `max_depth` levels (the turn's own mode is level 0)."""
