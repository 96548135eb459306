"""Chat messages: the conversation as the model sees it, with a JSON adapter."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

Role = Literal["system", "user", "assistant", "tool"]


MAX_ARGUMENT_DEPTH = 100  # nesting levels of a tool call's arguments; far beyond any real tool's schema


class ArgumentsTooDeep(ValueError):
    """Tool-call arguments nested deeper than MAX_ARGUMENT_DEPTH (they would exhaust Python's stack)."""


class ToolCallPart(BaseModel):
    id: str
    name: str
    arguments: str  # the raw JSON text the model produced; it may be invalid

    def parsed_arguments(self) -> dict[str, Any] | str:
        """The arguments as a JSON object, or the raw text when they are not one (or nest too deeply)."""
        try:
            value = self.decoded_arguments()
        except (json.JSONDecodeError, ArgumentsTooDeep):
            return self.arguments
        return value if isinstance(value, dict) else self.arguments

    def decoded_arguments(self) -> Any:
        """The arguments' JSON value; raises JSONDecodeError, or ArgumentsTooDeep past MAX_ARGUMENT_DEPTH."""
        text = self.arguments or "{}"
        try:
            value = json.loads(text)
        except RecursionError:  # json's parser recurses once per level
            raise ArgumentsTooDeep(MAX_ARGUMENT_DEPTH) from None
        if text.count("[") + text.count("{") > MAX_ARGUMENT_DEPTH and _deeper_than(value, MAX_ARGUMENT_DEPTH - 1):
            raise ArgumentsTooDeep(MAX_ARGUMENT_DEPTH)
        return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels in `value` (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class Attachment(BaseModel):
    """What an @mention attached to a user message. A text file or a folder listing is in the message's
    content from `start` on (the model reads it there); an image travels beside it, as `data`."""

    path: str  # as the user typed it
    kind: Literal["file", "folder", "image", "shell", "resource"]  # shell: a `!cmd` the user ran; resource: an MCP server's
    size: int  # bytes read
    start: int = 0  # where its block starts in the content (text kinds)
    media_type: str = ""  # images only
    data: str = ""  # images only: base64


class Message(BaseModel):
    role: Role
    content: str = ""
    tool_calls: list[ToolCallPart] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    interrupted: bool = False
    step_limited: bool = False
    cut: bool = False  # the model stopped at its token cap (finish_reason "length"): the answer is incomplete
    budget_limited: bool = False  # the turn stopped when a budget was spent: the answer is partial
    attachments: list[Attachment] = Field(default_factory=list)

    @property
    def typed(self) -> str:
        """A user message as typed, without the content its @mentions attached."""
        starts = [a.start for a in self.attachments if a.kind != "image"]
        return self.content[: min(starts)].rstrip("\n") if starts else self.content

    def to_provider(self, vision: bool = False) -> dict[str, Any]:
        """The OpenAI-format dict that litellm and most servers accept. A tool message's images are not in it (a
        tool message holds only text): it says where they are, after the tool results (`vision`) or nowhere."""
        data: dict[str, Any] = {"role": self.role, "content": self.content}
        images = self.images()
        if images and self.role != "tool":
            data["content"] = [{"type": "text", "text": self.content}, *(_image_part(a) for a in images)]
        if self.tool_calls:
            data["content"] = self.content or None
            data["tool_calls"] = [_provider_call(c) for c in self.tool_calls]
        if self.role == "tool":
            data["tool_call_id"] = self.tool_call_id
            data["name"] = self.name
            if images:
                data["content"] = f"{self.content}\n{_where_images_are(len(images), vision)}"
        return data

    def images(self) -> list[Attachment]:
        return [a for a in self.attachments if a.kind == "image"] if self.attachments else []


def provider_messages(messages: list[Message], vision: bool = False) -> list[dict[str, Any]]:
    """The messages in provider format, consecutive plain user messages joined into one.

    A turn that failed before any answer leaves its user message without a reply, so the next
    request would send user, user: chat templates that require turns to alternate (Gemma and
    Mistral on llama.cpp's server, for instance) refuse such a conversation, every turn after.

    For a model that takes images (`vision`), the images of a run of tool results follow the run as
    one user message: providers take only text in a tool message. It is made from the stored
    messages alone, so every request of a session repeats the same bytes (a provider's prompt cache).
    """
    converted: list[dict[str, Any]] = []
    with_images: list[Message] = []  # the current run of tool results that carry images
    for message in messages:
        if with_images and message.role != "tool":
            _add(converted, _tool_images(with_images))
            with_images = []
        if vision and message.role == "tool" and message.images():
            with_images.append(message)
        _add(converted, message.to_provider(vision))
    if with_images:
        _add(converted, _tool_images(with_images))
    return converted


def _add(converted: list[dict[str, Any]], data: dict[str, Any]) -> None:
    previous = converted[-1] if converted else None
    if previous is None or previous["role"] != "user" or not _plain_user(data):
        converted.append(data)
    elif isinstance(previous["content"], str):
        previous["content"] = f"{previous['content']}\n\n{data['content']}"
    else:
        previous["content"] = [*previous["content"], {"type": "text", "text": data["content"]}]


def _plain_user(data: dict[str, Any]) -> bool:
    return data["role"] == "user" and isinstance(data.get("content"), str)


TOOL_IMAGES_HEADER = "The images the tool calls above returned (tool output, not the user's words), in order:"


def _tool_images(results: list[Message]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": TOOL_IMAGES_HEADER}]
    for result in results:
        for image in result.images():
            parts += [{"type": "text", "text": f"{result.name}: {image.media_type}"}, _image_part(image)]
    return {"role": "user", "content": parts}


def _where_images_are(count: int, vision: bool) -> str:
    what = "the image above is" if count == 1 else f"the {count} images above are"
    return f"[{what} attached after the tool results]" if vision else f"[{what} not shown to the model: it does not accept images]"


def _image_part(image: Attachment) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": f"data:{image.media_type};base64,{image.data}"}}


def _provider_call(call: ToolCallPart) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def system(text: str) -> Message:
    return Message(role="system", content=text)


def user(text: str) -> Message:
    return Message(role="user", content=text)


def tool_result(call: ToolCallPart, output: str, images: Sequence[Attachment] = ()) -> Message:
    return Message(role="tool", content=output, tool_call_id=call.id, name=call.name, attachments=list(images))


NO_RESULT = "Error: no result was recorded for this tool call."


class HistoryError(ValueError):
    """A conversation no provider accepts and no repair can fix (a tool result that answers no call)."""


def with_unique_call_ids(message: Message, taken: set[str]) -> Message:
    """`message` with every tool-call id new to `taken` (a repeated or empty id gets a fresh one), all added to `taken`.

    Strict providers refuse a whole conversation in which two calls share an id, so a model's
    repeats are rewritten before the calls run: their results are made from the rewritten calls.
    """
    calls, renamed = [], False
    for call in message.tool_calls:
        if not call.id or call.id in taken:
            call, renamed = call.model_copy(update={"id": _fresh_id(call.id, taken)}), True
        calls.append(call)
        taken.add(call.id)
    return message.model_copy(update={"tool_calls": calls}) if renamed else message


def _fresh_id(original: str, taken: set[str]) -> str:
    if not original:
        return f"call_{secrets.token_hex(6)}"
    number = 2
    while f"{original}_{number}" in taken:
        number += 1
    return f"{original}_{number}"


def repaired_history(messages: list[Message], lenient: bool = False) -> list[Message]:
    """The conversation as a strict provider accepts it: unique tool-call ids (a repeated id renamed
    in its call and its result alike), each call followed by exactly one result (NO_RESULT when none).

    A tool result that answers no call raises HistoryError, or, `lenient`, is left out.
    """
    index, taken = _well_formed_start(messages)  # kept as they are: checked in a fraction of the time a repair takes
    repaired = messages[:index]
    while index < len(messages):
        end = index + 1
        while end < len(messages) and messages[end].role == "tool":
            end += 1
        message, results = messages[index], messages[index + 1:end]
        if message.role == "tool":
            message, results = Message(role="assistant"), messages[index:end]  # results with no call at all
            repaired += _paired(message, results, taken, index, lenient)[1:]
        else:
            repaired += _paired(message, results, taken, index + 1, lenient)
        index = end
    return repaired


def _well_formed_start(messages: list[Message]) -> tuple[int, set[str]]:
    """How many leading messages `repaired_history` would leave as they are (usually all), and their call ids.

    They are well formed: every call id given and unique, each call message followed by exactly one
    result per call (in any order), and no other results.
    """
    taken: set[str] = set()
    start, calls = 0, list[str]()  # where the message being checked starts, and its call ids
    pending: set[str | None] = set()  # its calls not answered yet
    for index, message in enumerate(messages):
        if message.role == "tool":
            if message.tool_call_id not in pending:
                break
            pending.discard(message.tool_call_id)
            continue
        if pending:
            break
        start, calls = index, []
        if not message.tool_calls:
            continue
        calls = [call.id for call in message.tool_calls]
        if not all(calls) or len(set(calls)) < len(calls) or not taken.isdisjoint(calls):
            calls = []
            break
        taken.update(calls)
        pending.update(calls)
    else:
        if not pending:
            return len(messages), taken
    taken.difference_update(calls)
    return start, taken


def _paired(message: Message, results: list[Message], taken: set[str], first: int, lenient: bool) -> list[Message]:
    """`message` (its call ids made unique) and one result per call, in the order given; missing ones added."""
    if not message.tool_calls and not results:
        return [message]
    renamed = with_unique_call_ids(message, taken)
    pending = list(zip(message.tool_calls, renamed.tool_calls, strict=False))  # (as written, as renamed), not yet answered
    paired = [renamed]
    for offset, result in enumerate(results):
        match = next((i for i, (call, _) in enumerate(pending) if call.id == result.tool_call_id), None)
        if match is None:
            if lenient:
                continue
            raise HistoryError(f"message {first + offset} is a tool result that answers no tool call (id {result.tool_call_id!r})")
        new = pending.pop(match)[1]
        paired.append(result if result.tool_call_id == new.id else result.model_copy(update={"tool_call_id": new.id}))
    paired += [tool_result(new, NO_RESULT) for _, new in pending]
    return paired


MESSAGES_ADAPTER: TypeAdapter[list[Message]] = TypeAdapter(list[Message])
