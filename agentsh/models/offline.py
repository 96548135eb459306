"""The built-in `offline` model: deterministic, free, no network.

It lets a newcomer use every feature without a key and is what most tests run on.
It answers plainly, calls a tool when the user's message names one (arguments drawn
from the message), summarises tool results, and answers a structured-output request
with a valid instance of the requested schema. Given `text_tools` (the react mode's
text protocol) it writes `Thought:` / `Action:` / `Action Input:` instead of a native
call, and `Final Answer:` after an observation or when no tool is named.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel

from ..events import TextDelta
from ..messages import Message, ToolCallPart
from . import OFFLINE
from .base import ModelRequest, ModelResponse, StreamItem, TokenCount
from .offline_arguments import draw_arguments, has_word
from .schema_instance import instance_for

NAME = OFFLINE
ECHO_LIMIT = 200  # characters of a message echoed whole; of a longer one, the start of its first line
ECHO_LINE = 80


class OfflineModel:
    name = NAME

    def __init__(self) -> None:
        self._calls = 0

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        self._calls += 1
        message = self._respond(request)
        for piece in _pieces(message.content):
            yield TextDelta(delta=piece)
        finish = "tool_calls" if message.tool_calls else "stop"
        yield ModelResponse(message=message, model=NAME, finish_reason=finish, usage=_count(request, message), cost=0.0)

    def _respond(self, request: ModelRequest) -> Message:
        last = request.messages[-1] if request.messages else Message(role="user", content="")
        if request.response_format is not None:
            return _structured(request, request.response_format, last)
        if request.text_tools:
            return _react(request, self._calls)
        if last.role == "tool":
            return Message(role="assistant", content=_summarise_results(request.messages))
        tools = [] if request.tool_choice == "none" else request.tools
        call = _tool_call_for(last.content, tools, self._calls)
        if call is not None:
            return Message(role="assistant", tool_calls=[call])
        return Message(role="assistant", content=_from_memory(request.messages, last.content) or _plain_answer(last.content))


def _from_memory(messages: list[Message], question: str) -> str | None:
    """Recalled memories (agentsh puts them after the user's message, or in the system prompt) that share a word
    with the question."""
    prompt = messages[0].content if messages and messages[0].role == "system" else ""
    block = re.search(r"<long-term-memory>(.*?)</long-term-memory>", f"{question}\n{prompt}", re.S)
    if block is None:
        return None
    question = question[: question.find("<long-term-memory>")] if "<long-term-memory>" in question else question
    asked = set(re.findall(r"\w{4,}", question.lower()))
    facts = [m.group(1) for m in re.finditer(r"^- \[\d+\] (.+)$", block.group(1), re.M)]
    relevant = [fact for fact in facts if asked & set(re.findall(r"\w{4,}", fact.lower()))]
    return "(offline model) From long-term memory: " + "; ".join(relevant) if relevant else None


def _structured(request: ModelRequest, response_format: type[BaseModel], last: Message) -> Message:
    schema = response_format.model_json_schema()
    value = instance_for(schema, _latest_user_text(request.messages) or last.content)
    return Message(role="assistant", content=json.dumps(value))


def _latest_user_text(messages: list[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def _tool_call_for(text: str, tools: list[dict[str, Any]], counter: int) -> ToolCallPart | None:
    lowered = text.lower()
    for schema in tools:
        function = schema["function"]
        if _names(function["name"], lowered):
            arguments = draw_arguments(function.get("parameters", {}), text, function["name"])
            return ToolCallPart(id=f"offline_{counter}", name=function["name"], arguments=json.dumps(arguments))
    return None


def _react(request: ModelRequest, counter: int) -> Message:
    """The react text protocol: an action when the latest user message names a tool."""
    latest = _latest_user_text(request.messages)
    tail = [m.content if m.role == "user" else "" for m in request.messages[-2:]]
    if any(_is_observation(text) for text in tail):  # an observation, or a note right after one
        text = f"Thought: I have what I need.\nFinal Answer: {_observation_summary(request.messages)}"
    elif (call := _tool_call_for(latest, request.text_tools, counter)) is not None:
        text = f"Thought: You asked for the {call.name} tool, so I will use it.\nAction: {call.name}\nAction Input: {call.arguments}"
    else:
        text = f"Thought: No tool is needed.\nFinal Answer: {_plain_answer(latest)}"
    return Message(role="assistant", content=text)


def _is_observation(text: str) -> bool:
    return text.lstrip().startswith("Observation:")


def _observation_summary(messages: list[Message]) -> str:
    """The latest observation, with the tool named by the action before it."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.role == "user" and _is_observation(message.content):
            result = message.content.lstrip()[len("Observation:") :].strip()
            before = messages[index - 1].content if index else ""
            action = re.search(r"^Action:\s*(.+)$", before, re.M)
            return f"{action.group(1).strip()} returned: {result}" if action else result
    return ""


def _names(tool_name: str, lowered: str) -> bool:
    """Whether the text (`lowered`: text.lower()) names the tool as a word. Found with str.find, not a
    case-insensitive regex, which takes a fraction of a second per name over a 10 MB prompt."""
    spoken = tool_name.replace("_", " ")
    return any(has_word(lowered, n.lower()) for n in {tool_name, spoken})


def _summarise_results(messages: list[Message]) -> str:
    results = []
    for message in reversed(messages):
        if message.role != "tool":
            break
        results.append(f"{message.name} returned: {_quoted(message.content)}")
    return "\n".join(reversed(results))


def _quoted(output: str) -> str:
    """One line as it is; several (a listing, a shell's output) in a code block, so Markdown keeps their lines."""
    if "\n" not in output.strip():
        return output
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", output)), default=0) + 1)
    return f"\n\n{fence}text\n{output.strip(chr(10))}\n{fence}\n"


def _plain_answer(text: str) -> str:
    if not text.strip():
        return "(offline model) I received an empty message."
    if len(text.strip()) > ECHO_LIMIT:  # a mode's prompt to a sub-agent, holding other answers: one line of it
        return f"(offline model) I do not reason; I was asked: {_start_of(text)}"
    return f"(offline model) I echo, call the tools you name and fill structured answers; I do not reason. You said: {text.strip()}"


def _start_of(text: str) -> str:
    """The first line (with the next ones while it is only a label, "The question:"), cut to ECHO_LINE."""
    line = ""
    for part in text.strip().splitlines():
        line = f"{line} {part.strip()}".strip()
        if len(line) >= ECHO_LINE // 2:
            break
    return line if len(line) <= ECHO_LINE else line[: ECHO_LINE - 1].rstrip() + "…"


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


def _count(request: ModelRequest, message: Message) -> TokenCount:
    prompt = sum(len(m.content) for m in request.messages) // 4 + 1
    completion = (len(message.content) + sum(len(c.arguments) for c in message.tool_calls)) // 4 + 1
    return TokenCount(prompt_tokens=prompt, completion_tokens=completion)
