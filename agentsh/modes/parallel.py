"""`parallel`: the request goes to several agents at once; their answers are merged or voted on.

Branches run concurrently (the turn takes about as long as the slowest one). With
`aggregate = "merge"` the aggregator profile writes one answer from all of them, listed
in the declared branch order; with `"vote"` it picks the best one by structured output
(fallback when it gives no valid vote: the first branch's answer). A branch that fails is
reported and left out (an empty answer, after one more try, is a failure: it never counts as
done); the turn fails only when every branch does.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..agent.structured import ask_structured
from ..agent.subagent import AgentRun, prior_conversation, run_agent, stops_the_turn
from ..agent.turn import Turn
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from ..models.choices import one_of
from .router import answer_as, recent_exchange

MERGE_PROMPT = """The user's request:
{request}

{count} agents answered it independently. Their answers, in order:

{answers}

Write the single best answer to the request from these: keep what is correct and useful
from each, resolve disagreements, drop repetition. Answer the user directly; do not mention the agents."""

VOTE_PROMPT = """The user's request:
{request}

{count} agents answered it independently:

{answers}

Pick the answer that best serves the request: correct, complete, clear.
Reply with only a JSON object: {{"reason": "<one short sentence>", "choice": "<one of: {names}>"}}."""


class ParallelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branches: list[str] = Field(default_factory=lambda: ["researcher", "coder", "writer"], min_length=1)
    aggregate: Literal["merge", "vote"] = "merge"
    aggregator: str = "writer"


class ParallelMode:
    name = "parallel"
    settings_schema = ParallelConfig  # its [modes.parallel] table
    summary = "several agents answer at once; their answers are merged (or voted on) into one"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config("parallel", ParallelConfig)
        for name in [*config.branches, config.aggregator]:
            turn.profile(name)
        context = prior_conversation(turn)
        runs = await self._fan_out(turn, config.branches, branch_labels(config.branches), context)
        turn.progress = numbered(runs)
        if config.aggregate == "vote":
            answer = await self._vote(turn, config.aggregator, runs, context)
        else:
            answer = await self._merge(turn, config.aggregator, runs, context)
        turn.add(answer)
        turn.output = answer.content

    async def _fan_out(self, turn: Turn, profiles: list[str], labels: list[str], context: list[Message]) -> list[AgentRun]:
        """Every branch at once; the answers in declared order, whatever order they finished in."""
        results = await asyncio.gather(
            *(self._branch(turn, profile, label, context) for profile, label in zip(profiles, labels, strict=True)),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and (not isinstance(result, Exception) or stops_the_turn(result)):
                raise result  # a cancellation, a spent budget or nesting too deep is not a branch failure
        runs = [r for r in results if isinstance(r, AgentRun)]
        failed = [label for label, r in zip(labels, results, strict=True) if isinstance(r, Exception)]
        if not runs:
            raise next(r for r in results if isinstance(r, Exception))
        if failed:
            turn.emit(Notice(message=f"{', '.join(failed)} failed; going on with the other branches", level="warning"))
        return runs

    async def _branch(self, turn: Turn, profile: str, label: str, context: list[Message]) -> AgentRun:
        turn.emit(Step(kind="branch", title=label, status="running", data={"agent": profile}))
        try:
            run = await run_agent(turn, profile, turn.user_text, context=context, label=label)
        except Exception as error:
            turn.emit(Step(kind="branch", title=label, status="failed", data={"error": str(error)}))
            raise
        turn.emit(Step(kind="branch", title=label, status="done", data={"answer": run.answer}))
        return run

    async def _merge(self, turn: Turn, aggregator: str, runs: list[AgentRun], context: list[Message]) -> Message:
        turn.emit(Step(kind="aggregate", title="merge", status="running", data={"agent": aggregator}))
        prompt = MERGE_PROMPT.format(request=turn.user_text, count=len(runs), answers=numbered(runs))
        answer = await answer_as(turn, aggregator, [*context, user(prompt)])
        turn.emit(Step(kind="aggregate", title="merge", status="done", data={"agent": aggregator}))
        return answer

    async def _vote(self, turn: Turn, aggregator: str, runs: list[AgentRun], context: list[Message]) -> Message:
        turn.emit(Step(kind="aggregate", title="vote", status="running", data={"agent": aggregator}))
        names = [run.agent for run in runs]
        prompt = VOTE_PROMPT.format(request=turn.user_text, count=len(runs), answers=numbered(runs), names=", ".join(names))
        profile = turn.profile(aggregator)
        messages = [system(profile.system_prompt), *recent_exchange(context), user(prompt)]
        vote = await ask_structured(
            turn, vote_schema(names), messages, agent=aggregator, model=turn.model_for(profile), temperature=profile.temperature
        )
        if vote is None:
            choice, reason = names[0], "no valid vote was given; using the first branch's answer"
        else:
            picked = vote.model_dump()
            choice, reason = picked["choice"], picked["reason"]
        data = {"agent": aggregator, "choice": choice, "reason": reason, "fallback": vote is None}
        turn.emit(Step(kind="aggregate", title="vote", status="done", data=data))
        chosen = runs[names.index(choice)]
        turn.emit(TextDelta(delta=chosen.answer))  # the chosen answer was streamed as its branch's: show it as the answer
        return Message(role="assistant", content=chosen.answer, cut=chosen.cut)


def branch_labels(profiles: list[str]) -> list[str]:
    """Each branch's label: its profile name, numbered when a profile appears more than once."""
    return [f"{name}-{i + 1}" if profiles.count(name) > 1 else name for i, name in enumerate(profiles)]


def numbered(runs: list[AgentRun]) -> str:
    return "\n\n".join(f"## {i}. {run.agent}\n{run.answer}" for i, run in enumerate(runs, 1))


def vote_schema(names: list[str]) -> type[BaseModel]:
    return create_model(
        "Vote",
        reason=(str, Field("", description="why this answer is the best, in one sentence")),
        choice=(one_of(names), Field(description=f"the best answer's agent: one of {', '.join(names)}")),
    )
