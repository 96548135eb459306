"""The `when` language: comparisons, and/or/not, literals and field access, parsed and evaluated, never eval'd."""

from __future__ import annotations

import pytest

from agentsh.errors import WorkflowError
from agentsh.workflows.expressions import ExpressionError, Ref, evaluate, parse, references

OUTPUTS = {"sentiment": {"confidence": 0.6, "label": "negative", "topics": ["billing", "login"]}, "review": {"passed": True}}


def value(text: str):
    def lookup(ref: Ref):
        current = OUTPUTS
        for part in ref.parts:
            current = current[part]
        return current

    return evaluate(parse(text), lookup)


@pytest.mark.parametrize(("text", "expected"), [
    ("sentiment.confidence < 0.7 and sentiment.label == 'negative'", True),
    ("sentiment.confidence >= 0.7 or sentiment.label != \"negative\"", False),
    ("not review.passed", False),
    ("not (review.passed and sentiment.confidence > 1)", True),
    ("'billing' in sentiment.topics", True),
    ("'refund' not in sentiment.topics", True),
    ("sentiment.topics[1] == 'login'", True),
    ("review.passed == true and null == null", True),
    ("1 < 2 < 3", None),
])
def test_conditions_evaluate_as_written(text, expected):
    if expected is None:
        with pytest.raises(ExpressionError):
            parse(text)
        return
    assert value(text) is expected


def test_references_lists_every_field_read():
    assert [r.text for r in references(parse("a.b < 1 or not c[0].d == 'x'"))] == ["a.b", "c[0].d"]


@pytest.mark.parametrize(("text", "problem"), [
    ("__import__('os').system('true')", "unexpected '('"),
    ("sentiment.label = 'x'", "use '=='"),
    ("sentiment.confidence <", "expected a value"),
    ("a and", "expected a value"),
    ("a @ b", "unexpected character '@'"),
    ("a.", "expected a field name"),
    ("(a == 1", "expected ')'"),
])
def test_what_is_not_the_language_is_refused_with_a_reason(text, problem):
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert problem in str(error.value)


def test_a_comparison_across_types_is_an_error_not_a_guess():
    with pytest.raises(WorkflowError, match="cannot compare a text 'negative' with a number 1"):
        value("sentiment.label < 1")
