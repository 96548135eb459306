"""`debate`: several agents answer, read each other's answers, revise; then a judge decides.

Round 1: every debater (a profile; events labelled with its name, "#2"... when a profile
takes part twice) answers the question on its own, all concurrently. Each later round, up
to `rounds` in all, every debater is shown the OTHER debaters' previous answers and its
own, and gives a revised answer. Step "round" per round (data: round, answers, and the
debaters that failed in it).

A debater that fails (its stream broke, its answer was empty twice) is left out of the
rest of the debate, with a notice, as long as at least `min_debaters` still answer
(default 2, or all of them when fewer are configured); below that the turn fails with a
QuorumError naming who failed and why.

Then the judge: with `judge = "moderator"` the moderator profile weighs the last answers
in one call that streams as the answer. With `judge = "vote"` each debater votes for the
best answer by number (structured `Vote`); the answer with most votes wins, a tie goes to
the earliest answer; a debater with no valid vote after the re-asks, or whose vote call
fails, abstains, and when nobody votes validly the first debater's answer wins (Step
"vote" shows the tally).
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from ..agent.answers import answer_call
from ..agent.structured import ask_structured
from ..agent.subagent import AgentRun, gather_settled, prior_conversation, run_agent
from ..agent.turn import Turn
from ..errors import AgentshError, QuorumError
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from ..models.base import ModelRequest
from ..models.choices import listed
from .router import answer_as

Debater = tuple[str, str]  # (profile, label)


class DebateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debaters: list[str] = Field(default_factory=lambda: ["researcher", "coder", "writer"], min_length=1)
    rounds: int = Field(2, ge=1, le=10)  # all rounds, the first (independent answers) included
    judge: Literal["moderator", "vote"] = "moderator"
    moderator: str = "moderator"
    min_debaters: int = Field(2, ge=1)  # the quorum: fewer debaters still answering fail the turn

    @model_validator(mode="after")
    def _quorum_reachable(self) -> DebateConfig:
        if "min_debaters" in self.model_fields_set and self.min_debaters > len(self.debaters):
            raise ValueError(f"min_debaters ({self.min_debaters}) is more than the {len(self.debaters)} debaters")
        return self

    @property
    def quorum(self) -> int:
        return min(self.min_debaters, len(self.debaters))


class DebateMode:
    name = "debate"
    settings_schema = DebateConfig  # its [modes.debate] table
    summary = "several agents answer, read each other's answers and revise; a moderator or a vote decides"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, DebateConfig)
        for name in [*config.debaters, *([config.moderator] if config.judge == "moderator" else [])]:
            turn.profile(name)  # an unknown profile fails before any call
        debaters = list(zip(config.debaters, labels(config.debaters), strict=True))
        runs: dict[str, AgentRun] = {}
        for round_number in range(1, config.rounds + 1):
            debaters, runs = await _round(turn, debaters, runs, round_number, config.quorum)
            turn.progress = _so_far(round_number, runs)
        answers = {label: run.answer for label, run in runs.items()}
        if config.judge == "vote":
            winner = runs[await _vote(turn, debaters, turn.user_text, answers)]
            answer = Message(role="assistant", content=winner.answer, cut=winner.cut)
            turn.emit(TextDelta(delta=answer.content))
        else:
            answer = await _moderate(turn, config.moderator, turn.user_text, answers)
        turn.add(answer)
        turn.output = answer.content


async def _round(
    turn: Turn, debaters: list[Debater], previous: dict[str, AgentRun], number: int, quorum: int
) -> tuple[list[Debater], dict[str, AgentRun]]:
    """One round: the debaters still in it, and their answers (by label)."""
    question, context = turn.user_text, prior_conversation(turn)
    answers = {label: run.answer for label, run in previous.items()}
    results = await gather_settled([
        run_agent(turn, profile, _task(question, label, answers), context=context, label=label) for profile, label in debaters
    ])
    runs = {r.agent: r for r in results if isinstance(r, AgentRun)}
    failed = {label: str(r) for (_, label), r in zip(debaters, results, strict=True) if isinstance(r, AgentshError)}
    data = {"round": number, "answers": {label: run.answer for label, run in runs.items()}, **({"failed": failed} if failed else {})}
    turn.emit(Step(kind="round", title=f"round {number}", status="done", data=data))
    still = [debater for debater in debaters if debater[1] in runs]
    if failed:
        _go_on_without(turn, failed, still, quorum)
    return still, runs


def _go_on_without(turn: Turn, failed: dict[str, str], still: list[Debater], quorum: int) -> None:
    reasons = "; ".join(f"{label} failed: {reason}" for label, reason in failed.items())
    if len(still) < quorum:
        total = len(still) + len(failed)
        raise QuorumError(f"debate: {len(still)} of {total} debaters still answer, fewer than min_debaters = {quorum}: {reasons}")
    names = ", ".join(label for _, label in still)
    turn.emit(Notice(message=f"debate: {reasons}; going on with {names}", level="warning"))


def labels(profiles: list[str]) -> list[str]:
    """One event label per debater: the profile's name, numbered when it takes part twice."""
    seen: Counter[str] = Counter()
    result = []
    for name in profiles:
        seen[name] += 1
        result.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return result


def _task(question: str, label: str, previous: dict[str, str]) -> str:
    if not previous:
        return question
    others = "\n\n".join(f"[{other}]\n{answer}" for other, answer in previous.items() if other != label)
    return (
        f"The question:\n{question}\n\nYour previous answer:\n{previous.get(label, '')}\n\n"
        f"The other participants answered:\n\n{others}\n\n"
        "Weigh their arguments against yours: keep what is right, correct what is wrong, "
        "and give your complete revised answer."
    )


def _so_far(round_number: int, runs: dict[str, AgentRun]) -> str:
    """The debate's answers so far: what is kept if a budget stops it before the verdict."""
    answers = _numbered({label: run.answer for label, run in runs.items()})
    return f"(The debate stopped after round {round_number}, before a verdict. The last answers:)\n\n{answers}"


def _numbered(answers: dict[str, str]) -> str:
    return "\n\n".join(f"Answer {i} (from {label}):\n{answer}" for i, (label, answer) in enumerate(answers.items(), 1))


async def _moderate(turn: Turn, moderator: str, question: str, answers: dict[str, str]) -> Message:
    """The moderator's verdict streams as the answer: one call without tools, or a mode profile's whole mode."""
    profile = turn.profile(moderator)
    prompt = (
        f"The question:\n{question}\n\nThe debaters' final answers:\n\n{_numbered(answers)}\n\n"
        "Give the single best final answer to the question."
    )
    if profile.runs_apart:
        return await answer_as(turn, moderator, [user(prompt)])
    request = ModelRequest(messages=[system(profile.system_prompt), user(prompt)], temperature=profile.temperature)
    response = await answer_call(turn, request, model=turn.model_for(profile))
    return response.message


async def _vote(turn: Turn, debaters: list[Debater], question: str, answers: dict[str, str]) -> str:
    """The label of the winning answer."""
    vote_schema = create_model(
        "Vote", __config__=ConfigDict(extra="forbid"),
        choice=(int, Field(ge=1, le=len(answers), description="the number of the best answer",
                           json_schema_extra=listed(range(1, len(answers) + 1)))),
        reason=(str, Field("", description="why, in one sentence")),
    )
    prompt = (
        f"The question:\n{question}\n\nThe answers:\n\n{_numbered(answers)}\n\n"
        "Vote for the answer that is best on its merits (it may be your own) by its number."
    )

    async def ballot(profile_name: str, label: str):
        profile = turn.profile(profile_name)
        messages = [system(profile.system_prompt), user(prompt)]
        return await ask_structured(
            turn, vote_schema, messages, agent=label, model=turn.model_for(profile), temperature=profile.temperature
        )

    ballots = await gather_settled([ballot(profile, label) for profile, label in debaters])
    for (_, label), failure in zip(debaters, ballots, strict=True):
        if isinstance(failure, AgentshError):
            turn.emit(Notice(message=f"debate: {label}'s vote failed ({failure}); it abstains", level="warning"))
    votes = {label: b.model_dump()["choice"] for (_, label), b in zip(debaters, ballots, strict=True) if isinstance(b, BaseModel)}
    tally = Counter(votes.values())
    winner = min(tally, key=lambda choice: (-tally[choice], choice)) if tally else 1
    if not tally:
        turn.emit(Notice(message="no debater gave a valid vote: the first answer is taken", level="warning"))
    chosen = list(answers)[winner - 1]
    data = {"votes": votes, "tally": {str(k): v for k, v in sorted(tally.items())}, "winner": chosen, "choice": winner}
    title = f"{chosen}'s answer wins ({tally.get(winner, 0)} of {len(debaters)} votes)"
    turn.emit(Step(kind="vote", title=title, status="done", data=data))
    return chosen
