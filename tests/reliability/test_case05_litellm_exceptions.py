"""Case 5: every exception type litellm exports is mapped to retry or no-retry.

The first test fails when a litellm release exports an exception that is not in
`CLASSIFICATION`; the second builds one of each and checks what agentsh does with it;
the third pins the decisions that matter most, whatever the table says.
"""

from __future__ import annotations

import inspect

import httpx
import pytest

import agentsh.models.litellm as adapter
from agentsh.errors import ContextWindowError, ModelAuthError, ModelError, ModelRequestError, ModelStreamError
from agentsh.models.litellm_errors import AUTH, CLASSIFICATION, CONTEXT, REQUEST, RETRY, STREAM, classify, translate

ERROR_CLASS = {RETRY: ModelError, AUTH: ModelAuthError, CONTEXT: ContextWindowError, REQUEST: ModelRequestError, STREAM: ModelStreamError}
REQUEST_SEEN = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def exported() -> dict[str, type]:
    litellm = adapter.load_litellm()
    return {
        name: getattr(module, name)
        for module in (litellm, litellm.exceptions)
        for name in dir(module)
        if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), BaseException)
    }


def build(cls: type, status: int = 500) -> BaseException:
    """An instance made the way litellm makes them (required arguments only)."""
    values = {
        "message": "boom", "llm_provider": "openai", "model": "openai/fake-model", "status_code": status,
        "response": httpx.Response(status, request=REQUEST_SEEN), "request": REQUEST_SEEN,
    }
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    required = [p for p in parameters if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    return cls(**{p.name: values.get(p.name, "x") for p in required})


def test_case05_every_litellm_exception_is_classified():
    names = set(exported())
    assert names, "found no litellm exceptions: the discovery above is broken"
    assert sorted(names - set(CLASSIFICATION)) == []


def test_case05_each_exception_becomes_the_error_its_class_says(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    built = 0
    for name, cls in sorted(exported().items()):
        try:
            error = build(cls)
        except Exception:  # an exception litellm itself builds from special payloads
            continue
        built += 1
        kind = classify(error)
        failure = translate(error, "openai/fake-model")
        if name not in ("APIError", "OpenAIError"):  # these two are decided by their status code
            assert kind == CLASSIFICATION[name], name
        assert type(failure) is ERROR_CLASS[kind], name
        assert failure.retryable is (kind in (RETRY, STREAM)), name
        assert "\n" not in str(failure) and str(failure), name
    assert built >= 0.8 * len(exported()), "most exceptions can be built and checked"


@pytest.mark.parametrize(("name", "status", "retried"), [
    ("RateLimitError", 429, True), ("Timeout", 408, True), ("APIConnectionError", 500, True),
    ("InternalServerError", 500, True), ("ServiceUnavailableError", 503, True), ("APIError", 502, True),
    ("APIError", 400, False), ("AuthenticationError", 401, False), ("PermissionDeniedError", 403, False),
    ("BadRequestError", 400, False), ("ContextWindowExceededError", 400, False), ("NotFoundError", 404, False),
    ("ContentPolicyViolationError", 400, False), ("UnprocessableEntityError", 422, False),
])
def test_case05_transient_failures_are_retried_and_the_rest_are_not(monkeypatch, name, status, retried):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert translate(build(exported()[name], status), "openai/fake-model").retryable is retried
