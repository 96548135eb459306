"""`@tool`: a typed, documented Python function becomes a tool the model can call."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field, create_model

from .docstrings import parse_docstring


@dataclass
class Tool:
    name: str
    description: str
    function: Callable[..., Any]
    arguments_model: type[BaseModel]
    requires_approval: bool = False
    timeout: float | None = None
    compensate: str | None = None
    source: str | None = None
    parameters: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = _clean_schema(self.arguments_model.model_json_schema())

    def schema(self) -> dict[str, Any]:
        """The OpenAI-format function schema the model sees."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    async def invoke(self, arguments: dict[str, Any]) -> Any:
        """Validate `arguments` (raises pydantic.ValidationError) and run the function."""
        validated = self.arguments_model.model_validate(arguments)
        values = {name: getattr(validated, name) for name in self.arguments_model.model_fields}
        if inspect.iscoroutinefunction(self.function):
            return await self.function(**values)
        return await asyncio.to_thread(self.function, **values)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def tool(
    function: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    timeout: float | None = None,
    compensate: "str | Tool | Callable[..., Any] | None" = None,
) -> Any:
    """Turn a function into a `Tool`. Use as `@tool` or `@tool(requires_approval=True, ...)`.

    The JSON schema comes from the type hints (through pydantic); the description and the
    per-argument descriptions come from the docstring. `compensate` names the tool that
    undoes this one (used by the planner's saga).
    """

    def wrap(func: Callable[..., Any]) -> Tool:
        return make_tool(
            func,
            name=name,
            description=description,
            requires_approval=requires_approval,
            timeout=timeout,
            compensate=_tool_name(compensate),
        )

    return wrap(function) if function is not None else wrap


def make_tool(func: Callable[..., Any], *, name: str | None = None, description: str | None = None, **options: Any) -> Tool:
    summary, argument_docs = parse_docstring(func.__doc__)
    tool_name = name or func.__name__
    model = _arguments_model(func, tool_name, argument_docs)
    return Tool(name=tool_name, description=description or summary or tool_name, function=func, arguments_model=model, **options)


def _tool_name(value: "str | Tool | Callable[..., Any] | None") -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.name if isinstance(value, Tool) else value.__name__


def _arguments_model(func: Callable[..., Any], tool_name: str, docs: dict[str, str]) -> type[BaseModel]:
    hints = _type_hints(func)
    fields: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, Field(default, description=docs.get(param.name)))
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    return create_model(f"{tool_name}_arguments", __config__=config, **fields)


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return inspect.get_annotations(func, eval_str=True)
    except Exception:  # an unresolvable forward reference: fall back to no hints
        return {}


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's auto-generated titles: they cost tokens and say nothing."""
    if isinstance(schema, dict):
        return {k: _clean_schema(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_clean_schema(v) for v in schema]
    return schema
