"""Map every exception litellm exports to agentsh's errors: retry or not, and what to say.

`CLASSIFICATION` names each litellm exception class; a test fails when a litellm
release exports one that is not listed here, so nothing new goes unmapped.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import ContextWindowError, ModelAuthError, ModelError, ModelRequestError, ModelStreamError
from ..secrets import redact_secrets

RETRY = "retry"
AUTH = "auth"
REQUEST = "request"
CONTEXT = "context"
STREAM = "stream"

CLASSIFICATION: dict[str, str] = {
    "RateLimitError": RETRY,
    "RouterRateLimitError": RETRY,
    "InternalServerError": RETRY,
    "ServiceUnavailableError": RETRY,
    "BadGatewayError": RETRY,
    "APIConnectionError": RETRY,
    "Timeout": RETRY,
    "MidStreamFallbackError": STREAM,
    "APIError": RETRY,  # generic: decided by its status code below
    "OpenAIError": RETRY,
    "AuthenticationError": AUTH,
    "PermissionDeniedError": AUTH,
    "PaymentRequiredError": AUTH,
    "BudgetExceededError": AUTH,
    "ContextWindowExceededError": CONTEXT,
    "BadRequestError": REQUEST,
    "InvalidRequestError": REQUEST,
    "UnprocessableEntityError": REQUEST,
    "NotFoundError": REQUEST,
    "UnsupportedParamsError": REQUEST,
    "ContentPolicyViolationError": REQUEST,
    "APIResponseValidationError": REQUEST,
    "JSONSchemaValidationError": REQUEST,
    "ImageFetchError": REQUEST,
    "ErrorEventError": RETRY,
    "VectorStoreSearchError": REQUEST,
    "ModelNotMappedError": REQUEST,
    "MockException": REQUEST,
    "ZoneInfoNotFoundError": REQUEST,
    "RouterRateLimitErrorBasic": RETRY,
    "LiteLLMUnknownProvider": REQUEST,
    "RejectedRequestError": REQUEST,
    "BlockedPiiEntityError": REQUEST,
    "GuardrailRaisedException": REQUEST,
    "ModifyResponseException": REQUEST,
    "SensitiveDataRouteException": REQUEST,
    "ToolLoopMaxRoundsExceeded": REQUEST,
}

KEY_VARIABLES = {
    "openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "gemini": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY", "mistral": "MISTRAL_API_KEY", "deepseek": "DEEPSEEK_API_KEY",
    "openrouter": "OPENROUTER_API_KEY", "azure": "AZURE_API_KEY", "cohere": "COHERE_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY", "xai": "XAI_API_KEY", "fireworks_ai": "FIREWORKS_AI_API_KEY",
}

_CREDENTIALS = re.compile(r"missing credentials|api[_ ]key", re.IGNORECASE)
_CLASS_PREFIXES = re.compile(r"^(?:\w+(?:Error|Exception)\s*(?::|-)\s*)+")


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


def key_variable(model: str) -> str:
    provider = provider_of(model)
    return KEY_VARIABLES.get(provider, f"{provider.upper()}_API_KEY")


def classify(error: BaseException) -> str:
    for cls in type(error).__mro__:
        kind = CLASSIFICATION.get(cls.__name__)
        if kind is not None:
            return _by_status(error) if kind == RETRY and cls.__name__ in ("APIError", "OpenAIError") else kind
    return RETRY if isinstance(error, (TimeoutError, ConnectionError, OSError)) else REQUEST


def _by_status(error: BaseException) -> str:
    status = getattr(error, "status_code", None)
    if status in (401, 403):
        return AUTH
    return RETRY if status is None or status == 429 or status >= 500 else REQUEST


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


def translate(error: BaseException, model: str) -> ModelError:
    """One clear sentence: what failed, and what to change."""
    kind = classify(error)
    detail = _short_message(error)
    status = getattr(error, "status_code", None)
    where = f"{provider_of(model)} ({model})"
    variable = key_variable(model)
    if not os.environ.get(variable) and (kind == AUTH and status in (None, 401) or _mentions_credentials(error)):
        return ModelAuthError(f"{where}: no API key found; set {variable} (or use --model offline)")
    if kind == AUTH:
        return ModelAuthError(f"{where} rejected the API key ({status or 'auth error'}): check {variable}. {detail}")
    if kind == CONTEXT:
        return ContextWindowError(f"{where}: the conversation is longer than the model's context window. {detail}")
    if kind == STREAM:
        return ModelStreamError(f"{where}: the answer stream broke off before the model finished ({detail})")
    if kind == REQUEST:
        return ModelRequestError(f"{where} refused the request ({status or type(error).__name__}): {detail}")
    failure = ModelError(f"{where} failed ({status or type(error).__name__}): {detail}")
    failure.retryable = True
    return failure


def _mentions_credentials(error: BaseException) -> bool:
    """litellm reports a missing key as whatever the client raised (openai's: a 500)."""
    return bool(_CREDENTIALS.search(str(getattr(error, "message", None) or error)))


def _short_message(error: BaseException) -> str:
    """The provider's own words, without litellm's stack of class-name prefixes."""
    text = str(getattr(error, "message", None) or error)
    text = text.replace("litellm.", "").split("\n")[0]
    text = _CLASS_PREFIXES.sub("", text) or text
    return redact_secrets(text[:300])
