"""The exceptions agentsh raises, as one small tree.

    AgentshError          anything agentsh reports to the user as one clear line
    ├── UsageError        a bad command line or argument (exit status 2)
    ├── ConfigError       a config file or setting that cannot be used
    ├── ModelError        the model or its provider failed (after retries, if any)
    │   ├── ModelAuthError       a key is missing or was rejected (never retried)
    │   ├── ModelRequestError    the provider refused the request as malformed (never retried)
    │   ├── ModelStreamError     a stream ended without a finish reason, or stalled
    │   │   └── AnswerTimeoutError   an answer still streaming at `answer_timeout` (never retried)
    │   └── ContextWindowError   the request does not fit the model's context window
    ├── ToolError         a tool could not run (reported to the model as a result)
    ├── StoreError        the session database cannot be used
    └── PluginError       a plugin file failed to load

`str(error)` is always a complete sentence fit for a terminal: no traceback needed.
"""

from __future__ import annotations


class AgentshError(Exception):
    """Base of every error agentsh reports to the user."""

    exit_code = 1


class UsageError(AgentshError):
    exit_code = 2


class ConfigError(AgentshError):
    pass


class ModelError(AgentshError):
    retryable = False


class ModelAuthError(ModelError):
    pass


class ModelRequestError(ModelError):
    pass


class ModelStreamError(ModelError):
    retryable = True


class AnswerTimeoutError(ModelStreamError):
    retryable = False  # an answer that would not end would not end again


class ContextWindowError(ModelError):
    pass


class ToolError(AgentshError):
    pass


class StoreError(AgentshError):
    pass


class PluginError(AgentshError):
    pass
