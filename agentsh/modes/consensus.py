"""`consensus`: independent answers, a judged measure of how far they agree, early stop when they do.

Each round every participant answers (round 1 on its own; later rounds also shown the others'
previous answers, as in debate), then the judge profile gives a structured `Agreement`: the
answers grouped by what they conclude. The agreement score is the share of answers in the
largest group (3 answers, 2 agreeing: 0.67). At or above `threshold` the rounds stop early.
The answer is the first answer of the largest group, followed by the score; Step "agreement"
per round (data: round, score, groups, threshold, reached).

A judge that gives no valid judgement after the re-asks counts as no agreement that round
(score: one answer of n), with a notice. Participants that fail are left out as in debate,
down to `min_participants`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..agent.structured import ask_structured
from ..agent.subagent import AgentRun
from ..agent.turn import Turn
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from .debate import _numbered, _round, labels


class ConsensusConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participants: list[str] = Field(default_factory=lambda: ["researcher", "coder", "writer"], min_length=2)
    rounds: int = Field(3, ge=1, le=10)  # at most; fewer when the answers agree early
    threshold: float = Field(0.67, gt=0, le=1)  # the agreement score that stops the rounds
    judge: str = "moderator"  # the profile that judges which answers agree
    min_participants: int = Field(2, ge=1)


class Agreement(BaseModel):
    groups: list[list[int]] = Field(
        description="the answers grouped by what they conclude: answers that agree share a group; every answer number in exactly one group"
    )
    reason: str = Field("", description="what the groups agree or disagree on, in one sentence")


class ConsensusMode:
    name = "consensus"
    settings_schema = ConsensusConfig  # its [modes.consensus] table
    summary = "independent answers each round until they agree (a judged agreement score); the answer with its score"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, ConsensusConfig)
        for name in [*config.participants, config.judge]:
            turn.profile(name)  # an unknown profile fails before any call
        participants = list(zip(config.participants, labels(config.participants), strict=True))
        runs: dict[str, AgentRun] = {}
        score, largest, round_number = 0.0, [1], 0
        for round_number in range(1, config.rounds + 1):
            participants, runs = await _round(turn, participants, runs, round_number, min(config.min_participants, len(config.participants)))
            score, largest = await _judge(turn, config, runs, round_number)
            if score >= config.threshold:
                break
        chosen = runs[list(runs)[largest[0] - 1]]
        answer = f"{chosen.answer}\n\n---\n{_report(score, len(largest), len(runs), round_number, config)}"
        turn.emit(TextDelta(delta=answer))
        turn.add(Message(role="assistant", content=answer, cut=chosen.cut))
        turn.output = answer


async def _judge(turn: Turn, config: ConsensusConfig, runs: dict[str, AgentRun], round_number: int) -> tuple[float, list[int]]:
    """The round's agreement score and its largest group (answer numbers, from 1)."""
    profile = turn.profile(config.judge)
    answers = {label: run.answer for label, run in runs.items()}
    question = (
        f"The question:\n{turn.user_text}\n\nThe answers:\n\n{_numbered(answers)}\n\n"
        "Group the answers by what they conclude: answers that reach the same conclusion belong to one group, "
        "even when worded differently. Every answer number goes in exactly one group."
    )
    messages = [system(profile.system_prompt), user(question)]
    judgement = await ask_structured(turn, Agreement, messages, agent="judge", model=turn.model_for(profile), temperature=profile.temperature)
    if judgement is None:
        turn.emit(Notice(message="consensus: the judge gave no valid judgement; this round counts as no agreement", level="warning"))
    groups = clean_groups(judgement.groups if judgement else [], len(answers))
    largest = max(groups, key=len)
    score = round(len(largest) / len(answers), 2)
    reached = score >= config.threshold
    data = {"round": round_number, "score": score, "groups": groups, "threshold": config.threshold, "reached": reached,
            "reason": judgement.reason if judgement else ""}
    title = f"round {round_number}: agreement {score:.2f} ({len(largest)} of {len(answers)})"
    turn.emit(Step(kind="agreement", title=title, status="reached" if reached else "not_reached", data=data))
    return score, largest


def clean_groups(groups: list[list[int]], count: int) -> list[list[int]]:
    """The judge's groups with every answer 1..count in exactly one: unknown numbers and repeats dropped, the missing alone."""
    seen: set[int] = set()
    cleaned: list[list[int]] = []
    for group in groups:
        members = [n for n in dict.fromkeys(group) if 1 <= n <= count and n not in seen]
        seen.update(members)
        if members:
            cleaned.append(members)
    return cleaned + [[n] for n in range(1, count + 1) if n not in seen]


def _report(score: float, agreeing: int, count: int, round_number: int, config: ConsensusConfig) -> str:
    verdict = "consensus reached" if score >= config.threshold else f"no consensus (threshold {config.threshold:.2f})"
    return f"Agreement: {score:.2f} ({agreeing} of {count} answers agree; {verdict} in round {round_number} of {config.rounds})"
