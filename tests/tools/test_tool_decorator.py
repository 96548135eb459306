"""`@tool`: what the model sees of a decorated function, and how it is called."""

from __future__ import annotations

import asyncio
import enum
from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from agentsh.tools.tool import Tool, tool


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    number: int


def parameters(item: Tool) -> dict:
    return item.schema()["function"]["parameters"]


def resolve(schema: dict, root: dict) -> dict:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return root["$defs"][name]
    return schema


# schema from type hints --------------------------------------------------------


def test_sync_function_becomes_a_tool_with_its_name_and_schema():
    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    assert isinstance(add, Tool)
    schema = add.schema()
    assert schema["type"] == "function"
    assert schema["function"]["name"] == "add"
    assert schema["function"]["description"] == "Add two integers."
    params = parameters(add)
    assert params["type"] == "object"
    assert params["properties"]["a"]["type"] == "integer"
    assert sorted(params["required"]) == ["a", "b"]


async def test_sync_and_async_tools_both_run_through_invoke():
    @tool
    def double(x: int) -> int:
        return x * 2

    @tool
    async def triple(x: int) -> int:
        await asyncio.sleep(0)
        return x * 3

    assert await double.invoke({"x": 4}) == 8
    assert await triple.invoke({"x": 4}) == 12


def test_scalar_and_list_types():
    @tool
    def f(count: int, name: str, ratio: float, flag: bool, tags: list[str]) -> None:
        """F."""

    props = parameters(f)["properties"]
    assert props["count"]["type"] == "integer"
    assert props["name"]["type"] == "string"
    assert props["ratio"]["type"] == "number"
    assert props["flag"]["type"] == "boolean"
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}


def test_defaults_and_optional_arguments_are_not_required():
    @tool
    def search(query: str, limit: int = 10, lang: str | None = None, site: str | None = None) -> None:
        """Search."""

    params = parameters(search)
    assert params["required"] == ["query"]
    assert params["properties"]["limit"]["default"] == 10
    lang_types = {option.get("type") for option in params["properties"]["lang"]["anyOf"]}
    assert lang_types == {"string", "null"}


async def test_optional_argument_can_be_left_out_when_called():
    @tool
    def greet(name: str, greeting: str = "hello") -> str:
        return f"{greeting} {name}"

    assert await greet.invoke({"name": "ada"}) == "hello ada"


def test_literal_and_enum_become_enums():
    @tool
    def paint(unit: Literal["cm", "in"], color: Color) -> None:
        """Paint."""

    params = parameters(paint)
    assert params["properties"]["unit"]["enum"] == ["cm", "in"]
    color = resolve(params["properties"]["color"], params)
    assert color["enum"] == ["red", "green"]


async def test_enum_argument_arrives_as_the_enum_member():
    seen = []

    @tool
    def paint(color: Color) -> None:
        seen.append(color)

    await paint.invoke({"color": "green"})
    assert seen == [Color.GREEN]


async def test_pydantic_model_argument_is_a_nested_object_and_arrives_validated():
    received = []

    @tool
    def ship(to: Address, urgent: bool = False) -> str:
        """Ship a parcel."""
        received.append(to)
        return "ok"

    params = parameters(ship)
    address = resolve(params["properties"]["to"], params)
    assert address["type"] == "object"
    assert set(address["properties"]) == {"street", "number"}
    assert address["properties"]["number"]["type"] == "integer"

    await ship.invoke({"to": {"street": "Main", "number": "7"}})
    assert received == [Address(street="Main", number=7)]


def test_schema_has_no_pydantic_titles():
    @tool
    def f(a: int, to: Address) -> None:
        """F."""

    assert '"title": "' not in str(parameters(f)).replace("'", '"')


def test_a_parameter_named_title_is_kept():
    @tool
    def note(title: str, body: str = "") -> None:
        """Write a note."""

    params = parameters(note)
    assert set(params["properties"]) == {"title", "body"}
    assert params["properties"]["title"]["type"] == "string"


async def test_invoke_rejects_unknown_and_wrongly_typed_arguments():
    @tool
    def f(a: int) -> int:
        return a

    with pytest.raises(ValidationError):
        await f.invoke({"a": "not a number"})
    with pytest.raises(ValidationError):
        await f.invoke({"a": 1, "b": 2})
    with pytest.raises(ValidationError):
        await f.invoke({})


def _plugin_function(annotations: dict[str, str]):
    """A function as a plugin file without `from __future__ import annotations` defines it."""

    def f(a, b=None):
        """F."""

    f.__annotations__ = dict(annotations)
    return f


def test_unresolvable_return_annotation_keeps_argument_types():
    f = _plugin_function({"a": "int", "b": "list[str]", "return": "NoSuchType"})

    params = parameters(tool(f))
    assert params["properties"]["a"]["type"] == "integer"
    assert params["properties"]["b"]["type"] == "array"


@pytest.mark.parametrize("annotation", ["NoSuchType", "'NoSuchType'"])
def test_unresolvable_argument_annotation_only_loses_that_argument(annotation):
    f = _plugin_function({"a": "int", "b": annotation})

    params = parameters(tool(f))
    assert params["properties"]["a"]["type"] == "integer"
    assert "b" in params["properties"]
    assert params["required"] == ["a"]


# descriptions from docstrings -------------------------------------------------


def test_google_docstring():
    @tool
    def move(source: str, target: str, force: bool = False) -> None:
        """Move a file.

        Args:
            source: The file to move.
            target (str): Where to put it; a directory
                keeps the file's name.
            force: Overwrite an existing file.

        Returns:
            Nothing.
        """

    params = parameters(move)
    assert move.description == "Move a file."
    assert params["properties"]["source"]["description"] == "The file to move."
    assert params["properties"]["target"]["description"] == "Where to put it; a directory keeps the file's name."
    assert params["properties"]["force"]["description"] == "Overwrite an existing file."


def test_sphinx_docstring():
    @tool
    def move(source: str, target: str) -> None:
        """Move a file.

        :param source: The file to move.
        :param str target: Where to put it;
            a directory keeps the name.
        :type target: str
        :returns: nothing
        :raises OSError: when the move fails
        """

    params = parameters(move)
    assert move.description == "Move a file."
    assert params["properties"]["source"]["description"] == "The file to move."
    assert params["properties"]["target"]["description"] == "Where to put it; a directory keeps the name."


def test_numpy_docstring():
    @tool
    def move(source: str, target: str) -> None:
        """Move a file.

        Parameters
        ----------
        source : str
            The file to move.
        target : str
            Where to put it;
            a directory keeps the name.

        Returns
        -------
        None
            Nothing.
        """

    params = parameters(move)
    assert move.description == "Move a file."
    assert params["properties"]["source"]["description"] == "The file to move."
    assert params["properties"]["target"]["description"] == "Where to put it; a directory keeps the name."


def test_description_keeps_the_prose_and_drops_the_sections():
    @tool
    def calc(expression: str) -> str:
        """Evaluate an arithmetic expression.

        Supports + - * / and parentheses.

        Args:
            expression: The expression.

        Raises:
            ValueError: on a bad expression.
        """

    assert calc.description.startswith("Evaluate an arithmetic expression.")
    assert "Supports + - * /" in calc.description
    for leaked in ("Args", "expression:", "Raises", "ValueError"):
        assert leaked not in calc.description


def test_no_docstring_falls_back_to_the_name_and_explicit_options_win():
    @tool
    def bare(x: int) -> int:
        return x

    @tool(name="renamed", description="Custom words.")
    def other(x: int) -> int:
        """Docstring words."""
        return x

    assert bare.description == "bare"
    assert "description" not in parameters(bare)["properties"]["x"]
    assert other.name == "renamed"
    assert other.schema()["function"]["name"] == "renamed"
    assert other.description == "Custom words."


# options and calling -------------------------------------------------------------


def test_options_are_recorded():
    @tool
    def create_file(path: str) -> None:
        """Create a file."""

    @tool(requires_approval=True, timeout=5, compensate=create_file)
    def delete_file(path: str) -> None:
        """Delete a file."""

    @tool(compensate="restore_backup")
    def wipe(path: str) -> None:
        """Wipe."""

    def plain_undo(path: str) -> None: ...

    @tool(compensate=plain_undo)
    def write(path: str) -> None:
        """Write."""

    assert delete_file.requires_approval is True
    assert delete_file.timeout == 5
    assert delete_file.compensate == "create_file"
    assert wipe.compensate == "restore_backup"
    assert write.compensate == "plain_undo"
    assert create_file.requires_approval is False
    assert create_file.timeout is None
    assert create_file.compensate is None


async def test_decorated_functions_are_still_callable():
    @tool
    def add(a: int, b: int = 1) -> int:
        """Add."""
        return a + b

    @tool(requires_approval=True)
    async def fetch(url: str) -> str:
        """Fetch."""
        return f"got {url}"

    assert add(2, 3) == 5
    assert add(a=2) == 3
    assert await fetch("x") == "got x"


def test_var_args_are_not_offered_to_the_model():
    @tool
    def f(a: int, *rest: int, **options: str) -> None:
        """F."""

    assert set(parameters(f)["properties"]) == {"a"}
