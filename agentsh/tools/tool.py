"""`@tool`: a typed, documented Python function becomes a tool the model can call."""

from __future__ import annotations

import asyncio
import contextvars
import copy
import inspect
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..errors import ToolExit
from .docstrings import parse_docstring


@dataclass
class Tool:
    name: str
    description: str
    function: Callable[..., Any]
    arguments_model: type[BaseModel]
    # True, False, or a rule deciding per call (e.g. only a pinned `remember` is asked).
    requires_approval: bool | Callable[[dict[str, Any]], bool] = False
    timeout: float | None = None
    compensate: str | None = None
    # What "always allow" covers for a call: a key (e.g. a command prefix), or None for
    # "this call can only be allowed once". Without it, "always" covers the whole tool.
    approval_scope: Callable[[dict[str, Any]], str | None] | None = None
    source: str | None = None
    # What the tool's own source says about it (an MCP server's annotations): shown when asking approval, never trusted.
    hints: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(init=False)

    def needs_approval(self, arguments: dict[str, Any]) -> bool:
        if not callable(self.requires_approval):
            return bool(self.requires_approval)
        try:
            return bool(self.requires_approval(arguments))
        except Exception:  # a broken rule must never skip the question
            return True

    def scope_of(self, arguments: dict[str, Any]) -> str | None:
        if self.approval_scope is None:
            return "*"
        try:
            return self.approval_scope(arguments)
        except Exception:  # a broken scope function must never widen what is allowed
            return None

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
        return await self.run(self.validate(arguments))

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The function's keyword arguments, validated and converted (raises pydantic.ValidationError)."""
        validated = self.arguments_model.model_validate(arguments)
        return {name: getattr(validated, name) for name in self.arguments_model.model_fields}

    async def run(self, values: dict[str, Any]) -> Any:
        """Run the function on validated `values`; a sync function runs in its own thread."""
        try:
            if inspect.iscoroutinefunction(self.function):
                return await self.function(**values)
            return await _in_daemon_thread(self.name, self.function, values)
        except SystemExit as exit:  # must not end agentsh, nor escape the event loop
            raise ToolExit(f"{self.name} called sys.exit({exit.code!r})") from None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def running(self, function: Callable[..., Any]) -> Tool:
        """This tool with another function of the same signature: the schema is shared, not built again."""
        made = copy.copy(self)  # not dataclasses.replace: that would build the schema again
        made.function = function
        return made


async def _in_daemon_thread(name: str, function: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Run a sync tool in a daemon thread of its own.

    `asyncio.to_thread` would use the loop's executor, whose threads the interpreter
    waits for on exit: one tool hung past its timeout would keep agentsh from exiting.
    """
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    context = contextvars.copy_context()

    def target() -> None:
        outcome: tuple[Any, BaseException | None]
        try:
            outcome = (context.run(function, **values), None)
        except BaseException as error:  # handed to the awaiting coroutine, whatever it is
            outcome = (None, error)
        with suppress(RuntimeError):  # the loop closed while the tool ran: nobody is waiting
            loop.call_soon_threadsafe(_settle, future, *outcome)

    threading.Thread(target=target, name=f"tool-{name}", daemon=True).start()
    return await future


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


def tool(
    function: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool | Callable[[dict[str, Any]], bool] = False,
    timeout: float | None = None,
    compensate: str | Tool | Callable[..., Any] | None = None,
    approval_scope: Callable[[dict[str, Any]], str | None] | None = None,
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
            approval_scope=approval_scope,
        )

    return wrap(function) if function is not None else wrap


def make_tool(func: Callable[..., Any], *, name: str | None = None, description: str | None = None, **options: Any) -> Tool:
    summary, argument_docs = parse_docstring(func.__doc__)
    tool_name = name or func.__name__
    model = _arguments_model(func, tool_name, argument_docs)
    return Tool(name=tool_name, description=description or summary or tool_name, function=func, arguments_model=model, **options)


def _tool_name(value: str | Tool | Callable[..., Any] | None) -> str | None:
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
    """Resolve each annotation on its own: one unresolvable name costs only its own hint."""
    namespace = getattr(inspect.unwrap(func), "__globals__", {})
    hints = inspect.get_annotations(func)
    return {name: _resolve_hint(value, namespace) for name, value in hints.items() if name != "return"}


def _resolve_hint(value: Any, namespace: dict[str, Any]) -> Any:
    for _ in range(2):  # twice: under `from __future__ import annotations`, "'X'" evaluates to "X"
        if not isinstance(value, str):
            return value
        try:
            value = eval(value, namespace)  # what typing.get_type_hints does with a string annotation
        except Exception:  # an unresolvable forward reference: accept any value for it
            return Any
    return Any if isinstance(value, str) else value


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's auto-generated titles: they cost tokens and say nothing."""
    if isinstance(schema, dict):
        return {k: _clean_schema(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_clean_schema(v) for v in schema]
    return schema
