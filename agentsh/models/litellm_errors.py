"""Decide what a litellm exception means: retry or not, and what to tell the user.

litellm adds exception classes often, so nothing here lists them. An exception is judged by
what it is: a few kinds need their own handling and are known by a base class (a context
window that is too small, a key that was refused, a stream that broke off); a connection that
was never made by the exceptions it was raised from (whatever status litellm gives it: its
"500" for a refused connection is no answer from anyone); a request the provider called
invalid by what the provider said (whatever the status: llama-cpp-python answers a field it
does not accept with a 500); everything else by its HTTP status (429, 408, 409 and 5xx are
transient, any other 4xx is final); and an exception without a status by whether it is a
timeout or a lost connection.

The message shown is the provider's own, whole: its lines joined into one paragraph, secrets
redacted, cut at `MESSAGE_LIMIT` characters.
A refusal of the response format or of a parameter (FORMAT) is known by its words, whatever its
status: llama-cpp-python answers a json_schema response_format with a 500 that no retry will change.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import (
    ContextWindowError,
    ModelAuthError,
    ModelConnectionError,
    ModelError,
    ModelRequestError,
    ModelStreamError,
    ResponseFormatError,
)
from ..secrets import redact_secrets
from .addresses import could_not_connect, unreachable

RETRY = "retry"
AUTH = "auth"
REQUEST = "request"
CONTEXT = "context"
STREAM = "stream"
CONNECT = "connect"
FORMAT = "format"

# Base classes (litellm's, and the openai SDK's it builds on) whose meaning a status does not
# carry, most specific first: a context-window error is a 400 that compaction can fix; a
# mid-stream failure is a 503 after text was shown; a refused key may arrive with any status.
KIND_BY_BASE_CLASS: tuple[tuple[str, str], ...] = (
    ("ContextWindowExceededError", CONTEXT),
    ("MidStreamFallbackError", STREAM),
    ("AuthenticationError", AUTH),
    ("PermissionDeniedError", AUTH),
    ("PaymentRequiredError", AUTH),
    ("BudgetExceededError", AUTH),
)
# Transient by nature, unless the provider said the request itself is invalid.
TRANSIENT_BASE_CLASSES = (
    "RateLimitError",
    "RouterRateLimitError",  # litellm's router: every deployment cooling down; no status before 1.110
    "RouterRateLimitErrorBasic",
    "APITimeoutError",
    "APIConnectionError",
)
TRANSIENT_STATUSES = frozenset({408, 409, 429})
# Without a status: a network failure is transient; a bug or a refusal is not.
TRANSIENT_BASES = ("TimeoutError", "ConnectionError", "TransportError", "TimeoutException")

KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY", "mistral": "MISTRAL_API_KEY", "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY", "azure": "AZURE_API_KEY", "cohere": "COHERE_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY", "xai": "XAI_API_KEY", "fireworks_ai": "FIREWORKS_AI_API_KEY",
}

MESSAGE_LIMIT = 600  # characters of the provider's message shown (a proxy may answer with a whole HTML page)

# What a server says when it refuses the response format or a parameter it does not support.
_FORMAT_REFUSAL = re.compile(
    r"response_format|json_schema|unsupported[ _-]?param|param\w*[^.\n]{0,60}\bnot (?:supported|permitted|allowed)"
    r"|unrecognized (?:request )?(?:argument|parameter)|unknown (?:argument|parameter)",
    re.IGNORECASE,
)
_CREDENTIALS = re.compile(r"missing credentials|api[_ ]key", re.IGNORECASE)
_CLASS_PREFIXES = re.compile(r"^(?:\w+(?:Error|Exception)\s*(?::|-)\s*)+")
# What providers say when the request itself is wrong: OpenAI's error type, pydantic's wording
# (llama-cpp-python, vLLM), unsupported or unknown parameters. Retrying such a request cannot help.
_INVALID_REQUEST = re.compile(
    r"invalid_request_error|input should be|validation errors? for|extra inputs are not permitted"
    r"|unsupported[ _](?:param(?:eter)?|value)|unrecognized request argument|unknown (?:parameter|field)",
    re.IGNORECASE,
)
# Lines litellm appends to a provider's message: its own bookkeeping, not what the provider said.
_LITELLM_NOTES = re.compile(r"^(?:Received Model Group|Available Model Group Fallbacks|LiteLLM Retried|LiteLLM Max Retries)\b")


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


def key_variable(model: str) -> str:
    provider = provider_of(model)
    return KEY_VARIABLES.get(provider, f"{provider.upper()}_API_KEY")


def classify(error: BaseException) -> str:
    """RETRY, AUTH, REQUEST, CONTEXT, STREAM, CONNECT or FORMAT, from the class hierarchy, the cause, the body and the status."""
    ancestors = {cls.__name__ for cls in type(error).__mro__}
    for base, kind in KIND_BY_BASE_CLASS:
        if base in ancestors:
            return kind
    if could_not_connect(error):
        return CONNECT
    if "UnsupportedParamsError" in ancestors or refuses_format(error):
        return FORMAT
    status = status_of(error)
    if status in (401, 403):
        return AUTH
    if says_request_invalid(error):
        return REQUEST
    if ancestors.intersection(TRANSIENT_BASE_CLASSES):
        return RETRY
    if status is not None:
        return _by_status(status)
    return RETRY if ancestors.intersection(TRANSIENT_BASES) else REQUEST


def says_request_invalid(error: BaseException) -> bool:
    """Whether the provider's answer calls the request itself invalid (its type or its words)."""
    said = f"{getattr(error, 'type', '')} {getattr(error, 'body', '')} {getattr(error, 'message', None) or error}"
    return bool(_INVALID_REQUEST.search(said))


def refuses_format(error: BaseException) -> bool:
    """Whether the provider's words refuse the response format or a parameter: the same request fails again."""
    return status_of(error) not in (401, 403, 429) and bool(_FORMAT_REFUSAL.search(_message(error)))


def status_of(error: BaseException) -> int | None:
    """The HTTP status the provider answered with, when there was an answer."""
    for value in (getattr(error, "status_code", None), getattr(getattr(error, "response", None), "status_code", None)):
        if isinstance(value, int) and 100 <= value <= 599:
            return value
    return None


def _by_status(status: int) -> str:
    if status in TRANSIENT_STATUSES or status >= 500:
        return RETRY
    return REQUEST


def retry_after(error: BaseException) -> float | None:
    """Seconds the provider asked us to wait (Retry-After), when it said."""
    for source in ("litellm_response_headers", "headers"):
        headers = getattr(error, source, None) or {}
        value = _header(headers, "retry-after")
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _header(headers: Any, name: str) -> str | None:
    try:
        return headers.get(name) or headers.get(name.title())
    except AttributeError:
        return None


def translate(error: BaseException, model: str, api_base: str | None = None) -> ModelError:
    """One clear sentence: what failed, and what to change. `api_base`: the address configured for the model, if any."""
    kind = classify(error)
    detail = provider_message(error)
    status = status_of(error)
    where = f"{provider_of(model)} ({model})"
    variable = key_variable(model)
    if not os.environ.get(variable) and ((kind == AUTH and status in (None, 401)) or _mentions_credentials(error)):
        return ModelAuthError(f"{where}: no API key found; set {variable} (or use --model offline)")
    if kind == AUTH:
        return ModelAuthError(f"{where} rejected the API key ({status or 'auth error'}): check {variable}. {detail}")
    if kind == CONTEXT:
        return ContextWindowError(f"{where}: the conversation is longer than the model's context window. {detail}")
    if kind == STREAM:
        return ModelStreamError(f"{where}: the answer stream broke off before the model finished ({detail})")
    if kind == CONNECT:
        return ModelConnectionError(f"{where}: {unreachable(error, provider_of(model), api_base)}")
    if kind == FORMAT:
        return ResponseFormatError(f"{where} refused the response format or a parameter ({status or type(error).__name__}): {detail}")
    if kind == REQUEST:
        return ModelRequestError(f"{where} refused the request ({status or type(error).__name__}): {detail}")
    failure = ModelError(f"{where} failed ({status or type(error).__name__}): {detail}")
    failure.retryable = True
    return failure


def _mentions_credentials(error: BaseException) -> bool:
    """litellm reports a missing key as whatever the client raised (openai's: a 500)."""
    return bool(_CREDENTIALS.search(_message(error)))


def _message(error: BaseException) -> str:
    return str(getattr(error, "message", None) or error)


def provider_message(error: BaseException, limit: int = MESSAGE_LIMIT) -> str:
    """The provider's own words, whole but on one line: without litellm's class-name prefixes and notes,
    secrets redacted, at most `limit` characters."""
    text = redact_secrets(_message(error))  # before the cut: a key after it would be cut in half
    lines = [line.strip() for line in text.replace("litellm.", "").splitlines()]
    text = " ".join(line for line in lines if line and not _LITELLM_NOTES.match(line))
    text = " ".join(text.split())  # tabs, and the rarer line breaks splitlines() leaves
    text = _CLASS_PREFIXES.sub("", text) or text
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
