"""`pipeline`: a fixed chain of agent stages; each stage's output is the next one's input.

A stage is `{agent, prompt, gate}`. The prompt is a template: `{input}` is the previous
stage's output (for the first stage, the user's request) and `{request}` the user's
request; any other `{name}` is a config error (write `{{` and `}}` for literal braces).
A stage's agent may be a mode profile (`[agents.panel] mode = "debate"`): its whole mode runs.
An optional gate checks a stage's output before the chain goes on:

    {type = "nonempty"}                    the output is not blank
    {type = "regex", pattern = "..."}      the pattern is found in the output (re.search)
    {type = "critic", agent = "critic"}    a critic agent's structured pass/fail verdict

A failing gate stops the chain; the turn's answer then says which stage stopped it and
why. A critic that gives no valid verdict lets the output through (with a warning).
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..agent.structured import ask_structured
from ..agent.subagent import prior_conversation, run_agent
from ..agent.turn import Turn
from ..errors import EmptyAnswerError
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from .router import answer_as

PLACEHOLDERS = ("input", "request")
_TEMPLATE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}")  # an escaped brace, or a {name}


class NonEmptyGate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["nonempty"]


class RegexGate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["regex"]
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern


class CriticGate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["critic"]
    agent: str = "critic"


Gate = Annotated[NonEmptyGate | RegexGate | CriticGate, Field(discriminator="type")]


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str
    prompt: str
    gate: Gate | None = None

    @field_validator("prompt")
    @classmethod
    def _has_placeholder(cls, prompt: str) -> str:
        names = [m.group(1) for m in _TEMPLATE.finditer(prompt) if m.group(1)]
        unknown = next((name for name in names if name not in PLACEHOLDERS), None)
        if unknown is not None:
            close = difflib.get_close_matches(unknown, PLACEHOLDERS, n=1)
            hint = f"did you mean {{{close[0]}}}?" if close else "the placeholders are {input} and {request}"
            raise ValueError(f"unknown placeholder {{{unknown}}} ({hint}; write {{{{ and }}}} for literal braces)")
        if not names:
            raise ValueError("a stage prompt must contain {input} (the previous stage's output) or {request}")
        return prompt


DEFAULT_STAGES = [
    Stage(agent="researcher", prompt="Gather the facts and considerations needed to answer: {input}"),
    Stage(agent="writer", prompt="Answer the user's request: {request}\n\nUsing these notes:\n{input}"),
]


class PipelineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stages: list[Stage] = Field(default_factory=lambda: [s.model_copy() for s in DEFAULT_STAGES], min_length=1)


class Verdict(BaseModel):
    passed: bool = Field(description="true when the output is good enough to go on")
    reason: str = Field(description="why, in one or two sentences")


CRITIC_PROMPT = """The user's request:
{request}

The output of pipeline stage {index} ({agent}), which was asked:
{task}

--- output ---
{output}
--- end ---

Is this output good enough for the pipeline to go on? Reply with only a JSON object:
{{"passed": true or false, "reason": "<why, in one or two sentences>"}}."""


def fill(template: str, input: str, request: str) -> str:
    """Substitute {input} and {request} in one pass; `{{` and `}}` are literal braces, other braces stay as they are."""
    values = {"input": input, "request": request}
    return _TEMPLATE.sub(lambda match: values.get(match.group(1), match.group(0)) if match.group(1) else match.group(0)[0], template)


class PipelineMode:
    name = "pipeline"
    settings_schema = PipelineConfig  # its [modes.pipeline] table
    summary = "a fixed chain of agent stages (default: researcher → writer), with optional gates"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config("pipeline", PipelineConfig)
        for stage in config.stages:
            turn.profile(stage.agent)
            if isinstance(stage.gate, CriticGate):
                turn.profile(stage.gate.agent)
        answer, cut = await self._chain(turn, config.stages)
        turn.add(Message(role="assistant", content=answer, cut=cut))
        turn.output = answer

    async def _chain(self, turn: Turn, stages: list[Stage]) -> tuple[str, bool]:
        """The answer, and whether it stopped at the model's token cap."""
        request, current, context = turn.user_text, turn.user_text, prior_conversation(turn)
        cut = False
        for index, stage in enumerate(stages, 1):
            title = f"{index}/{len(stages)} {stage.agent}"
            task = fill(stage.prompt, current, request)
            where = {"index": index, "agent": stage.agent}
            turn.emit(Step(kind="stage", title=title, status="running", data=where))
            streamed = index == len(stages) and stage.gate is None
            output = await self._stage(turn, stage, task, context, streamed)
            current, cut = output.content, output.cut
            turn.progress = current
            turn.emit(Step(kind="stage", title=title, status="done", data={**where, "output": current}))
            failure = await self._check(turn, stage, index, task, current)
            if stage.gate is not None:
                status = "failed" if failure else "passed"
                turn.emit(Step(kind="gate", title=f"{title} {stage.gate.type}", status=status, data={**where, "reason": failure}))
            if failure is not None and stage.gate is not None:  # only a gate fails a stage
                message = f"The pipeline stopped at stage {index} ({stage.agent}): its {stage.gate.type} gate failed: {failure}"
                turn.emit(TextDelta(delta=message))
                return message, False
            if not streamed and index == len(stages):
                turn.emit(TextDelta(delta=current))  # streamed under the stage's label: show it as the answer
        return current, cut

    async def _stage(self, turn: Turn, stage: Stage, task: str, context: list[Message], streamed: bool) -> Message:
        """The last stage, when nothing can reject it, streams as the answer; the others as sub-agents.

        An empty output is an error, unless a nonempty gate is there to stop the chain with its own message.
        """
        if streamed:
            return await answer_as(turn, stage.agent, [*context, user(task)])
        try:
            run = await run_agent(turn, stage.agent, task, context=context)
        except EmptyAnswerError:
            if not isinstance(stage.gate, NonEmptyGate):
                raise
            return Message(role="assistant")
        return Message(role="assistant", content=run.answer, cut=run.cut)

    async def _check(self, turn: Turn, stage: Stage, index: int, task: str, output: str) -> str | None:
        """None when the gate passes (or there is none), else the reason it failed."""
        gate = stage.gate
        if gate is None:
            return None
        if isinstance(gate, NonEmptyGate):
            return None if output.strip() else "the output is empty"
        if isinstance(gate, RegexGate):
            return None if re.search(gate.pattern, output) else f"the output does not match the pattern {gate.pattern!r}"
        return await self._critic(turn, gate.agent, stage, index, task, output)

    async def _critic(self, turn: Turn, critic: str, stage: Stage, index: int, task: str, output: str) -> str | None:
        profile = turn.profile(critic)
        prompt = CRITIC_PROMPT.format(request=turn.user_text, index=index, agent=stage.agent, task=task, output=output)
        verdict = await ask_structured(
            turn, Verdict, [system(profile.system_prompt), user(prompt)], agent=critic, model=turn.model_for(profile),
            temperature=profile.temperature,
        )
        if verdict is None:
            note = f"{critic} gave no valid verdict on stage {index}; letting its output through"
            turn.emit(Notice(message=note, level="warning"))
            return None
        return None if verdict.passed else (verdict.reason or "the critic rejected the output")
