"""Case 5: every exception litellm exports is retried or not for what it is, not for its name.

litellm adds exception classes several times a year. agentsh judges them by base class and
HTTP status, so a class added next month is handled without a code change. These tests build
one instance of every class the installed litellm exports and check the decision agentsh makes
(a table below states it for the classes known today; a class it does not list is checked
against the rule the provider's status gives), and build classes litellm does not have yet.
"""

from __future__ import annotations

import inspect

import httpx
import pytest

import agentsh.models.litellm as adapter
from agentsh.errors import (
    ContextWindowError,
    ModelAuthError,
    ModelError,
    ModelRequestError,
    ModelStreamError,
    ResponseFormatError,
)
from agentsh.models.litellm_errors import AUTH, CONTEXT, FORMAT, REQUEST, RETRY, STREAM, classify, translate

ERROR_CLASS = {
    RETRY: ModelError, AUTH: ModelAuthError, CONTEXT: ContextWindowError, REQUEST: ModelRequestError, STREAM: ModelStreamError,
    FORMAT: ResponseFormatError,  # a refused parameter: structured calls step down their format ladder at once
}
REQUEST_SEEN = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")

# What each class known on 2026-12-01 means to a user, with the status a provider sends with it.
EXPECTED: dict[str, tuple[str, int]] = {
    "RateLimitError": (RETRY, 429), "RouterRateLimitError": (RETRY, 429), "RouterRateLimitErrorBasic": (RETRY, 429),
    "CallerCredentialRateLimitError": (RETRY, 429), "InternalServerError": (RETRY, 500),
    "ServiceUnavailableError": (RETRY, 503), "BadGatewayError": (RETRY, 502), "APIConnectionError": (RETRY, 500),
    "Timeout": (RETRY, 408), "APIError": (RETRY, 500), "MidStreamFallbackError": (STREAM, 503),
    "AuthenticationError": (AUTH, 401), "CallerCredentialAuthenticationError": (AUTH, 401),
    "PermissionDeniedError": (AUTH, 403), "PaymentRequiredError": (AUTH, 402), "BudgetExceededError": (AUTH, 400),
    "ContextWindowExceededError": (CONTEXT, 400), "BadRequestError": (REQUEST, 400),
    "InvalidRequestError": (REQUEST, 400), "UnprocessableEntityError": (REQUEST, 422), "NotFoundError": (REQUEST, 404),
    "UnsupportedParamsError": (FORMAT, 400), "ContentPolicyViolationError": (REQUEST, 400),
    "ImageFetchError": (REQUEST, 400), "LiteLLMUnknownProvider": (REQUEST, 400), "RejectedRequestError": (REQUEST, 400),
    "MalformedRequestFieldError": (REQUEST, 400), "UnsupportedEndpointError": (REQUEST, 400),
    "EndpointNotSupportedByModelError": (REQUEST, 400), "BlockedPiiEntityError": (REQUEST, 400),
    "GuardrailRaisedException": (REQUEST, 400), "ModelNotMappedError": (REQUEST, 400),
    "ToolLoopMaxRoundsExceeded": (REQUEST, 400), "ValidationError": (REQUEST, 400),
}


def exported() -> dict[str, type]:
    litellm = adapter.load_litellm()
    return {
        name: getattr(module, name)
        for module in (litellm, litellm.exceptions)
        for name in dir(module)
        if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), BaseException)
    }


def build(cls: type, status: int) -> BaseException:
    """An instance made the way litellm makes them (required arguments only)."""
    values = {
        "message": "boom", "llm_provider": "openai", "model": "openai/fake-model", "status_code": status,
        "response": httpx.Response(status, request=REQUEST_SEEN), "request": REQUEST_SEEN,
    }
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    required = [p for p in parameters if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    return cls(**{p.name: values.get(p.name, "x") for p in required})


def rule_for_status(status: int | None) -> str:
    """What the issue asks of any HTTP failure: 429, 408, 409 and 5xx are retried, other 4xx are not."""
    if status in (401, 403):
        return AUTH
    if status is not None and (status in (408, 409, 429) or status >= 500):
        return RETRY
    return REQUEST


def built_instances() -> list[tuple[str, BaseException]]:
    instances = []
    for name, cls in sorted(exported().items()):
        try:
            instances.append((name, build(cls, EXPECTED.get(name, (None, 500))[1])))
        except Exception:  # a class litellm itself builds only from special payloads
            continue
    return instances


def test_case05_every_exported_exception_gets_the_decision_it_deserves(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    instances = built_instances()
    assert len(instances) >= 0.8 * len(exported()) > 0, "most exceptions can be built and checked"
    for name, error in instances:
        if name in EXPECTED:
            expected = EXPECTED[name][0]
        else:  # new in this litellm release: judged by its status like any provider answer
            expected = rule_for_status(getattr(error, "status_code", None))
        kind = classify(error)
        failure = translate(error, "openai/fake-model")
        assert kind == expected, f"{name}: {kind} != {expected}"
        assert type(failure) is ERROR_CLASS[kind], name
        assert failure.retryable is (kind in (RETRY, STREAM)), name
        assert "\n" not in str(failure) and str(failure), name


def test_case05_classes_litellm_does_not_have_yet_are_handled_by_what_they_are(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    litellm = adapter.load_litellm()
    future = {
        "QuotaBurstError": (litellm.RateLimitError, 429, True),
        "RegionOverloadedError": (litellm.InternalServerError, 529, True),
        "ToolSchemaRejectedError": (litellm.BadRequestError, 400, False),
        "ModelRetiredError": (litellm.NotFoundError, 404, False),
        "PromptTooLongForRegionError": (litellm.ContextWindowExceededError, 400, False),
        "ProxyTimeoutError": (litellm.Timeout, 408, True),
        "KeyRevokedError": (litellm.AuthenticationError, 401, False),
    }
    for name, (base, status, retried) in future.items():
        error = build(type(name, (base,), {}), status)
        assert translate(error, "openai/fake-model").retryable is retried, name
    assert isinstance(translate(build(type("X", (litellm.ContextWindowExceededError,), {}), 400), "openai/m"), ContextWindowError)


class _ProviderAnswer(Exception):
    """An exception of no known family that carries only the provider's HTTP status."""

    def __init__(self, status: int):
        super().__init__(f"provider answered {status}")
        self.status_code = status


@pytest.mark.parametrize(("status", "retried"), [
    (400, False), (404, False), (408, True), (409, True), (413, False), (422, False), (429, True),
    (500, True), (502, True), (503, True), (529, True),
])
def test_case05_an_unknown_class_is_retried_by_its_status(monkeypatch, status, retried):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert translate(_ProviderAnswer(status), "openai/fake-model").retryable is retried


@pytest.mark.parametrize(("error", "retried"), [
    (TimeoutError("read timed out"), True), (ConnectionResetError("reset by peer"), True),
    (httpx.ConnectError("refused", request=REQUEST_SEEN), True), (ValueError("bad argument"), False),
    (KeyError("zone"), False),
])
def test_case05_without_a_status_only_network_failures_are_retried(monkeypatch, error, retried):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert translate(error, "openai/fake-model").retryable is retried


@pytest.mark.parametrize(("name", "status", "retried"), [
    ("RateLimitError", 429, True), ("Timeout", 408, True), ("APIConnectionError", 500, True),
    ("InternalServerError", 500, True), ("ServiceUnavailableError", 503, True), ("APIError", 502, True),
    ("APIError", 429, True), ("APIError", 400, False), ("APIError", 409, True), ("AuthenticationError", 401, False),
    ("PermissionDeniedError", 403, False), ("BadRequestError", 400, False), ("ContextWindowExceededError", 400, False),
    ("NotFoundError", 404, False), ("ContentPolicyViolationError", 400, False), ("UnprocessableEntityError", 422, False),
])
def test_case05_transient_failures_are_retried_and_the_rest_are_not(monkeypatch, name, status, retried):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert translate(build(exported()[name], status), "openai/fake-model").retryable is retried
