"""Forms from a server's elicitation schema: which schemas are refused, how typed answers are read and checked."""

from __future__ import annotations

import pytest

from agentsh.forms import FormError, check_answers, form_fields

SCHEMA = {
    "type": "object",
    "properties": {
        "email": {"type": "string", "format": "email", "title": "E-mail"},
        "size": {"type": "string", "enum": ["s", "m", "l"], "enumNames": ["Small", "Medium", "Large"]},
        "colour": {"type": "string", "oneOf": [{"const": "r", "title": "Red"}, {"const": "g", "title": "Green"}]},
        "count": {"type": "integer", "minimum": 1, "maximum": 5, "default": 2},
        "ratio": {"type": "number"},
        "ok": {"type": "boolean"},
    },
    "required": ["email", "size"],
}


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ({"type": "array"}, "not an object"),
        ({"type": "object", "properties": {"a": {"type": "object", "properties": {}}}}, "field 'a' is of type 'object'"),
        ({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}}}}, "field 'a' is of type 'array'"),
        ({"type": "object", "properties": {"a": {"type": "string", "format": "ipv4"}}}, "format 'ipv4'"),
        ({"type": "object", "properties": {"a": {"type": "string", "enum": [1, 2]}}}, "list of texts"),
        ({"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(51)}}, "at most 50"),
    ],
)
def test_a_schema_mcp_does_not_allow_is_refused_with_what_is_wrong(schema, problem):
    with pytest.raises(FormError, match=problem):
        form_fields(schema)


def test_fields_come_in_the_schemas_order_with_their_kinds_and_hints():
    fields = form_fields(SCHEMA)

    assert [(f.name, f.kind) for f in fields] == [
        ("email", "string"), ("size", "choice"), ("colour", "choice"), ("count", "integer"), ("ratio", "number"), ("ok", "boolean"),
    ]
    assert fields[0].hint() == "email, required" and fields[3].hint() == "integer, 1 to 5, optional"
    assert fields[1].hint() == "one of Small, Medium, Large, required"


def test_typed_answers_are_read_by_kind_and_choices_by_number_label_or_value():
    email, size, colour, count, ratio, ok = form_fields(SCHEMA)

    assert size.parse("2") == "m" and size.parse("large") == "l" and colour.parse("r") == "r"
    assert count.parse("") == 2 and count.parse("5") == 5 and ratio.parse("0.5") == 0.5 and ok.parse("yes") is True
    for item, text, problem in [
        (count, "6", "at most 5"), (count, "two", "not a whole number"), (email, "ada", "not a valid email"),
        (size, "xl", "choose one of Small, Medium, Large"), (ok, "maybe", "answer yes or no"), (email, "", "required"),
    ]:
        with pytest.raises(FormError, match=problem):
            item.parse(text)


def test_an_answer_is_checked_whole_before_it_goes_back():
    fields = form_fields(SCHEMA)

    assert check_answers(fields, {"email": "a@b.io", "size": "s", "ok": False}) == {"email": "a@b.io", "size": "s", "count": 2, "ok": False}
    with pytest.raises(FormError, match="size: required"):
        check_answers(fields, {"email": "a@b.io"})
    with pytest.raises(FormError, match="no such field: extra"):
        check_answers(fields, {"email": "a@b.io", "size": "s", "extra": 1})
    with pytest.raises(FormError, match="count: expected a whole number"):
        check_answers(fields, {"email": "a@b.io", "size": "s", "count": True})


def test_a_default_that_does_not_fit_its_own_field_is_not_offered():
    [item] = form_fields({"type": "object", "properties": {"n": {"type": "integer", "maximum": 3, "default": 9}}})

    assert item.default is None
