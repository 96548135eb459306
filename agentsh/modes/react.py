"""`react`: tools through a text protocol, for models WITHOUT native tool calling.

The system prompt describes the tools and the format; the model replies

    Thought: ...
    Action: <tool name>
    Action Input: <JSON object>

agentsh runs the tool through the session's executor (validation, approval, timeout and
ToolCall/ToolResult events as in `tools` mode) and answers `Observation: <result>`, until
the model replies `Final Answer: ...`. Requests carry the tools as `text_tools` and never
as native tools. A reply that is neither a valid action nor a final answer gets a
corrective message and the loop goes on (an unknown tool is not malformed: the executor's
error becomes the observation). Every reply counts as a step; at `max_steps` one last
call asks for the final answer.

Model output streams with the agent label "react"; the final answer is then emitted as
the answer (a TextDelta without agent). Actions and observations are stored as ordinary
tool calls and results, so the session history looks the same as in `tools` mode; the
history is rendered back into the text protocol for the model (which also lets a session
switch to `react` after native tool calls).

The scratchpad (that rendering, then this turn's exchange) is compacted as the tools loop's
history is: each of its messages stands for the history message it renders (`Turn.mirror`;
a correction stands for the message it follows), so a request over the context budget, or
refused by the provider as too long, compacts the history and leaves out what was summarised.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..agent.loop import run_tool_calls
from ..agent.turn import Turn
from ..events import Step, TextDelta
from ..messages import Message, ToolCallPart, system, user
from ..models.base import ModelRequest

AGENT = "react"
Mirror = Callable[[Message, Message], Message]
NO_ANSWER = "(the step limit was reached before a final answer)"

_LABEL = r"^[ \t*>]*{}[ \t*]*:[ \t*]*"
_THOUGHT = re.compile(_LABEL.format("Thought"), re.M | re.I)
_ACTION = re.compile(_LABEL.format("Action") + r"(.*)$", re.M | re.I)
_INPUT = re.compile(_LABEL.format(r"Action[ \t]*Input"), re.M | re.I)
_FINAL = re.compile(_LABEL.format(r"Final[ \t]*Answer"), re.M | re.I)
_OBSERVATION = re.compile(_LABEL.format("Observation"), re.M | re.I)
_FENCE = re.compile(r"^\s*```[a-z]*\s*|\s*```\s*$", re.I)

PROTOCOL = """\
You can use tools, but not by calling functions: you write what you want to do as text, \
in this exact format, one action per reply:

Thought: what you know so far and what to do next
Action: the name of one tool, exactly as listed below
Action Input: the tool's arguments as one JSON object, e.g. {{"name": "value"}}

Then stop: agentsh runs the tool and replies with
Observation: the tool's result

Repeat Thought / Action / Action Input as often as needed. When you can answer the user, reply:

Thought: I can answer now
Final Answer: your complete answer to the user

Tools:
{tools}"""

STEP_LIMIT_NOTE = (
    "You have used every step allowed for this turn. Do not use any tool now: reply with "
    "`Final Answer:` followed by your best answer from what you have, and say what is left undone."
)


class ReactConfig(BaseModel):
    """`[modes.react]`: no settings of its own; the step limit is the session's max_steps."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class Parsed:
    """One reply read as the protocol: an action, a final answer, or a problem to correct."""

    thought: str = ""
    action: str | None = None
    arguments: dict[str, Any] | None = None
    final: str | None = None
    problem: str | None = None
    text: str = ""  # the reply without any observation the model made up
    cut: bool = False  # the reply stopped at the model's token cap


class ReactMode:
    name = "react"
    settings_schema = ReactConfig  # its [modes.react] table
    summary = "tools through a Thought/Action/Observation text protocol, for models without native tool calling"

    async def run(self, turn: Turn) -> None:
        turn.mode_config(self.name, ReactConfig)
        # the conversation so far, then this turn's protocol exchange, as the model sees them
        # (taken once: the actions and results `turn.add` stores are mirrored in the scratchpad)
        scratchpad: list[Message] = text_history(turn.history, turn.mirror)
        for step in range(1, turn.max_steps + 1):
            parsed = await self._ask(turn, scratchpad, step)
            if parsed.final is not None:
                self._answer(turn, parsed.final, cut=parsed.cut)
                return
            if parsed.problem is not None:
                anchor = turn.history[-1]  # the correction goes when what it follows is compacted away
                reply, note = Message(role="assistant", content=parsed.text), user(correction(parsed.problem, turn))
                scratchpad += [turn.mirror(reply, anchor), turn.mirror(note, anchor)]
            else:
                await self._act(turn, parsed, scratchpad)
        parsed = await self._ask(turn, [*scratchpad, user(STEP_LIMIT_NOTE)], turn.max_steps + 1)
        turn.step_limited = True
        self._answer(turn, parsed.final or parsed.thought or NO_ANSWER, step_limited=True, cut=parsed.cut)

    async def _ask(self, turn: Turn, scratchpad: list[Message], step: int) -> Parsed:
        await turn.refresh_tools()
        tools = turn.offered_tools(turn.history).schemas
        messages = [system(_system_prompt(turn.history, tools)), *scratchpad]
        response = await turn.call_model(ModelRequest(messages=messages, text_tools=tools), AGENT)
        parsed = parse_reply(response.message.content)
        parsed.cut = response.message.cut
        if parsed.thought:
            turn.emit(Step(kind="thought", title=_shorten(parsed.thought), data={"thought": parsed.thought, "step": step}))
        return parsed

    async def _act(self, turn: Turn, parsed: Parsed, scratchpad: list[Message]) -> None:
        call = ToolCallPart(id=f"react_{uuid.uuid4().hex[:12]}", name=parsed.action, arguments=json.dumps(parsed.arguments))
        action = Message(role="assistant", content=parsed.text, tool_calls=[call])
        turn.add(action)
        scratchpad.append(turn.mirror(Message(role="assistant", content=parsed.text), action))

        def add_result(message: Message) -> None:
            turn.add(message)
            scratchpad.append(turn.mirror(user(f"Observation: {message.content}"), message))

        await run_tool_calls(turn, action, add_result, AGENT)

    def _answer(self, turn: Turn, text: str, step_limited: bool = False, cut: bool = False) -> None:
        turn.emit(TextDelta(delta=text))
        turn.add(Message(role="assistant", content=text, step_limited=step_limited, cut=cut))
        turn.output = text


# the protocol ------------------------------------------------------------------------


def parse_reply(text: str) -> Parsed:
    """Read a reply: the first of `Action:` and `Final Answer:` decides what it is."""
    action, final = _ACTION.search(text), _FINAL.search(text)
    if final and (action is None or final.start() < action.start()):
        answer = text[final.end() :].strip()
        problem = None if answer else "the `Final Answer:` is empty"
        return Parsed(thought=_thought(text[: final.start()]), final=answer or None, problem=problem, text=text.strip())
    if action is None:
        return Parsed(thought=_thought(text), problem="it has neither an `Action:` line nor a `Final Answer:`", text=text.strip())
    observation = _OBSERVATION.search(text, action.end())
    text = text[: observation.start()] if observation else text  # the model must not write the observation
    parsed = Parsed(thought=_thought(text[: action.start()]), text=text.strip())
    parsed.action = action.group(1).strip().strip("`'\"*").strip()
    given = _INPUT.search(text, action.end())
    if not parsed.action:
        parsed.problem = "the `Action:` line names no tool"
    elif given is None:
        parsed.problem = f"`Action: {parsed.action}` has no `Action Input:` line"
    else:
        parsed.arguments = json_object(text[given.end() :])
        if parsed.arguments is None:
            parsed.problem = "the `Action Input:` is not a JSON object"
    return parsed


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object at the start of `text` (a code fence around it is tolerated)."""
    text = _FENCE.sub("", text.strip()).strip()
    if not text.startswith("{"):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _thought(text: str) -> str:
    label = _THOUGHT.search(text)
    return (text[label.end() :] if label else text).strip()


def correction(problem: str, turn: Turn) -> str:
    names = ", ".join(turn.executor.registry.names()) or "(no tools)"
    return (
        f"Your reply could not be used: {problem}. Reply in the format, either\n"
        f"Thought: ...\nAction: <one tool name: {names}>\nAction Input: <the arguments as one JSON object>\n"
        "or\nThought: ...\nFinal Answer: <your answer to the user>"
    )


def describe_tools(tools: list[dict[str, Any]]) -> str:
    if not tools:
        return "(none: answer with a Final Answer)"
    lines = []
    for schema in tools:
        function = schema["function"]
        parameters = json.dumps(function.get("parameters", {}), separators=(",", ":"))
        lines.append(f"- {function['name']}: {function.get('description', '')}\n  Action Input schema: {parameters}")
    return "\n".join(lines)


def _system_prompt(history: list[Message], tools: list[dict[str, Any]]) -> str:
    base = history[0].content if history and history[0].role == "system" else ""
    protocol = PROTOCOL.format(tools=describe_tools(tools))
    return f"{base}\n\n{protocol}" if base else protocol


def text_history(history: list[Message], mirror: Mirror = lambda copy, original: copy) -> list[Message]:
    """The conversation without its system prompt, native tool calls rendered as the text protocol.

    `mirror(copy, original)` is told which history message each rendered one stands for.
    """
    rendered: list[Message] = []
    for message in history[1:] if history and history[0].role == "system" else history:
        if message.role == "tool":
            observation = f"Observation: {message.content}"
            if rendered and rendered[-1].role == "user" and rendered[-1].content.startswith("Observation:"):
                rendered[-1] = mirror(user(f"{rendered[-1].content}\n{observation}"), message)
            else:
                rendered.append(mirror(user(observation), message))
        elif message.tool_calls:
            rendered.append(mirror(Message(role="assistant", content=_action_text(message)), message))
        else:
            rendered.append(mirror(Message(role=message.role, content=message.content), message))
    return rendered


def _action_text(message: Message) -> str:
    if _ACTION.search(message.content):
        return message.content
    actions = "\n".join(f"Action: {c.name}\nAction Input: {c.arguments}" for c in message.tool_calls)
    return f"{message.content.strip()}\n{actions}".strip()


def _shorten(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
