"""Templates: placeholders for nodes, fields, items, inputs and the request; literal braces; typed lone values."""

from __future__ import annotations

import pytest

from agentsh.errors import WorkflowError
from agentsh.workflows.templates import Placeholder, field_of, placeholders, render, render_value

VALUES = {"classify": {"topics": ["a", "b"], "score": 3}, "draft": "text", "request": "the question"}


def resolve(placeholder: Placeholder):
    return field_of(VALUES[placeholder.root], placeholder.parts[1:], placeholder.text)


def test_fields_items_and_whole_outputs_are_filled_in():
    text = render("{draft} / {classify.topics} / {classify.topics[1]} / {request} / {{literal}} / {\"json\": 1}", resolve)
    assert text == 'text / ["a", "b"] / b / the question / {literal} / {"json": 1}'


def test_a_lone_placeholder_argument_keeps_its_type():
    assert render_value({"n": "{classify.score}", "s": "score {classify.score}", "l": ["{classify.topics}"]}, resolve) == {
        "n": 3, "s": "score 3", "l": [["a", "b"]],
    }


def test_placeholders_are_found_with_their_paths():
    assert [(p.text, p.parts) for p in placeholders("{a.b[2].c} {{x}} {inputs.goal}")] == [
        ("a.b[2].c", ("a", "b", 2, "c")), ("inputs.goal", ("inputs", "goal")),
    ]


@pytest.mark.parametrize(("template", "problem"), [
    ("{classify.topic}", "classify has no field 'topic' (it has: topics, score)"),
    ("{classify.topics[5]}", "classify.topics has 2 item(s), no [5]"),
    ("{draft.words}", "draft is str, which has no 'words'"),
])
def test_a_missing_field_at_run_time_says_what_is_there(template, problem):
    with pytest.raises(WorkflowError) as error:
        render(template, resolve)
    assert problem in str(error.value)
