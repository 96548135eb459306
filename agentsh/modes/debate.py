"""`debate`: several agents answer, read each other's answers, revise; then a judge decides.

Round 1: every debater (a profile; events labelled with its name, "#2"... when a profile
takes part twice) answers the question on its own, all concurrently. Each later round, up
to `rounds` in all, every debater is shown the OTHER debaters' previous answers and its
own, and gives a revised answer. Step "round" per round (data: round, answers).

Then the judge: with `judge = "moderator"` the moderator profile weighs the last answers
in one call that streams as the answer. With `judge = "vote"` each debater votes for the
best answer by number (structured `Vote`); the answer with most votes wins, a tie goes to
the earliest answer; a debater with no valid vote after the re-asks abstains, and when
nobody votes validly the first debater's answer wins (Step "vote" shows the tally).
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..agent.structured import ask_structured
from ..agent.subagent import gather_or_cancel, prior_conversation, run_agent
from ..agent.turn import Turn
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from ..models.base import ModelRequest
from ..models.choices import listed


class DebateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debaters: list[str] = Field(default_factory=lambda: ["researcher", "coder", "writer"], min_length=1)
    rounds: int = Field(2, ge=1, le=10)  # all rounds, the first (independent answers) included
    judge: Literal["moderator", "vote"] = "moderator"
    moderator: str = "moderator"


class DebateMode:
    name = "debate"
    settings_schema = DebateConfig  # its [modes.debate] table
    summary = "several agents answer, read each other's answers and revise; a moderator or a vote decides"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, DebateConfig)
        for name in [*config.debaters, *([config.moderator] if config.judge == "moderator" else [])]:
            turn.profile(name)  # an unknown profile fails before any call
        debaters = list(zip(config.debaters, labels(config.debaters), strict=True))
        question, context = turn.user_text, prior_conversation(turn)
        answers: dict[str, str] = {}
        for round_number in range(1, config.rounds + 1):
            tasks = [
                run_agent(turn, profile, _task(question, label, answers), context=context, label=label)
                for profile, label in debaters
            ]
            runs = await gather_or_cancel(tasks)
            answers = {run.agent: run.answer for run in runs}
            data = {"round": round_number, "answers": answers}
            turn.emit(Step(kind="round", title=f"round {round_number}", status="done", data=data))
        if config.judge == "vote":
            answer = await _vote(turn, debaters, question, answers)
            turn.emit(TextDelta(delta=answer))
        else:
            answer = await _moderate(turn, config.moderator, question, answers)
        turn.add(Message(role="assistant", content=answer))
        turn.output = answer


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


def _numbered(answers: dict[str, str]) -> str:
    return "\n\n".join(f"Answer {i} (from {label}):\n{answer}" for i, (label, answer) in enumerate(answers.items(), 1))


async def _moderate(turn: Turn, moderator: str, question: str, answers: dict[str, str]) -> str:
    profile = turn.profile(moderator)
    prompt = (
        f"The question:\n{question}\n\nThe debaters' final answers:\n\n{_numbered(answers)}\n\n"
        "Give the single best final answer to the question."
    )
    request = ModelRequest(messages=[system(profile.system_prompt), user(prompt)], temperature=profile.temperature)
    response = await turn.call_model(request, agent=None, model=turn.model_for(profile))
    return response.message.content


async def _vote(turn: Turn, debaters: list[tuple[str, str]], question: str, answers: dict[str, str]) -> str:
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

    ballots = await gather_or_cancel([ballot(profile, label) for profile, label in debaters])
    votes = {label: b.choice for (_, label), b in zip(debaters, ballots, strict=True) if b is not None}
    tally = Counter(votes.values())
    winner = min(tally, key=lambda choice: (-tally[choice], choice)) if tally else 1
    if not tally:
        turn.emit(Notice(message="no debater gave a valid vote: the first answer is taken", level="warning"))
    chosen = list(answers)[winner - 1]
    data = {"votes": votes, "tally": {str(k): v for k, v in sorted(tally.items())}, "winner": chosen, "choice": winner}
    title = f"{chosen}'s answer wins ({tally.get(winner, 0)} of {len(debaters)} votes)"
    turn.emit(Step(kind="vote", title=title, status="done", data=data))
    return answers[chosen]
