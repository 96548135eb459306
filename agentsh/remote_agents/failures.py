"""Whatever goes wrong talking to a remote agent, as one RemoteAgentError line that says what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from a2a.client import A2AClientTimeoutError, AgentCardResolutionError
from a2a.utils.errors import A2AError

from ..errors import RemoteAgentError
from ..text import folded
from .settings import RemoteAgent

REFUSED = (401, 403)


@contextmanager
def as_one_line(agent: RemoteAgent) -> Iterator[None]:
    """Turn the SDK's and httpx's errors into one RemoteAgentError; anything else passes through."""
    try:
        yield
    except RemoteAgentError:
        raise
    except A2AClientTimeoutError:
        raise RemoteAgentError(timed_out(agent)) from None
    except AgentCardResolutionError as error:
        raise RemoteAgentError(_card_failure(agent, error)) from None
    except (A2AError, httpx.HTTPError) as error:
        raise RemoteAgentError(_call_failure(agent, error)) from None
    except ValueError as error:  # the factory: no interface of the card that the client speaks
        raise RemoteAgentError(f"remote agent {agent.name!r} at {agent.url}: {_said(error)}") from None


def timed_out(agent: RemoteAgent) -> str:
    return f"remote agent {agent.name!r} at {agent.url} sent nothing for {agent.timeout:g} s (raise [agents.{agent.name}] timeout)"


def _card_failure(agent: RemoteAgent, error: AgentCardResolutionError) -> str:
    if error.status_code in REFUSED:
        return _refused(agent, error.status_code)
    if error.status_code is None and isinstance(error.__cause__, httpx.TimeoutException):
        return timed_out(agent)
    if error.status_code is None and isinstance(error.__cause__, httpx.RequestError):
        return _unreachable(agent, error.__cause__)
    where = f"HTTP {error.status_code}" if error.status_code else "not an agent card"
    return f"remote agent {agent.name!r}: no A2A agent card at {agent.url}/.well-known/agent-card.json ({where}): check its url"


def _call_failure(agent: RemoteAgent, error: Exception) -> str:
    cause = error if isinstance(error, httpx.HTTPError) else error.__cause__
    if isinstance(cause, httpx.HTTPStatusError) and cause.response.status_code in REFUSED:
        return _refused(agent, cause.response.status_code)
    if isinstance(cause, httpx.TimeoutException):
        return timed_out(agent)
    if isinstance(cause, httpx.RequestError):
        return _unreachable(agent, cause)
    return f"remote agent {agent.name!r} at {agent.url} failed: {_said(error)}"


def _refused(agent: RemoteAgent, status: int) -> str:
    return (
        f"remote agent {agent.name!r} at {agent.url} refused the request (HTTP {status}): give it a token with "
        f'[agents.{agent.name}] headers = {{ Authorization = "Bearer ${{TOKEN}}" }}'
    )


def _unreachable(agent: RemoteAgent, cause: BaseException) -> str:
    return f"cannot reach remote agent {agent.name!r} at {agent.url} ({_said(cause) or type(cause).__name__}): is it running?"


def _said(error: BaseException) -> str:
    """The error's own words, on one short line (a remote's text: shown literally, never trusted)."""
    return folded(str(error), 240)
