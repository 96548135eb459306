"""`reflect`: a writer drafts, a critic judges, the writer revises, until the critic passes it.

Round by round: the writer (`run_agent`, label "writer") answers, or revises its previous
draft with the critic's feedback (the revision request holds both); the critic gives a
structured `Verdict` (pass / revise + feedback). It stops at the first "pass" or after
`max_rounds` drafts. Steps: "draft" and "critique" (data: round, verdict, feedback).

Fallbacks: a critic that gives no valid verdict after the re-asks counts as a pass (the
draft is kept rather than revised blindly; a notice says so). When the last draft never
passed, a Step "draft" with status "not_passed" is emitted and the answer ends with a
note saying so, with the critic's last feedback.

The verdict carries a `confidence` (0–1). With `escalate = { below = 0.6, to = "strong" }`, a
verdict less confident than 0.6 is asked again of the profile `strong`, whose verdict counts
(a Step "escalate" says why).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..agent.escalation import escalates, report_escalation
from ..agent.structured import ask_structured
from ..agent.subagent import AgentRun, prior_conversation, run_agent
from ..agent.turn import Turn
from ..events import Notice, Step, TextDelta
from ..messages import Message, system, user
from ..profiles import Escalate


class ReflectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    writer: str = "writer"
    critic: str = "critic"
    max_rounds: int = Field(3, ge=1, le=20)
    escalate: Escalate | None = None  # a verdict less confident than `below` is asked again of the profile `to`


class Verdict(BaseModel):
    verdict: Literal["pass", "revise"]
    feedback: str = Field(description="what is wrong or missing and how to fix it; empty when it passes")
    confidence: float = Field(1.0, ge=0, le=1, description="how sure the verdict is right, from 0 to 1")


class ReflectMode:
    name = "reflect"
    settings_schema = ReflectConfig  # its [modes.reflect] table
    summary = "a writer drafts, a critic reviews, the writer revises until the critic passes it"

    async def run(self, turn: Turn) -> None:
        config = turn.mode_config(self.name, ReflectConfig)
        if config.escalate is not None:
            turn.profile(config.escalate.to)  # an unknown profile is a clear error before any model call
        request, context = turn.user_text, prior_conversation(turn)
        draft, verdict = AgentRun(agent="writer", answer=""), Verdict(verdict="revise", feedback="")
        for round_number in range(1, config.max_rounds + 1):
            draft = await _generate(turn, config.writer, request, context, draft.answer, verdict.feedback, round_number)
            turn.progress = draft.answer
            verdict = await _critique(turn, config.critic, request, draft.answer, round_number)
            if escalates(config.escalate, verdict.confidence) and config.escalate is not None:
                report_escalation(turn, f"critique {round_number}", config.escalate, verdict.confidence)
                verdict = await _critique(turn, config.escalate.to, request, draft.answer, round_number)
            if verdict.verdict == "pass":
                break
        answer = draft.answer
        if verdict.verdict != "pass":
            turn.emit(Step(kind="draft", title=f"no draft passed review in {config.max_rounds} rounds", status="not_passed",
                           data={"round": config.max_rounds, "feedback": verdict.feedback}))
            answer = (
                f"{answer}\n\n---\nNote: this answer did not pass review after {config.max_rounds} rounds. "
                f"The reviewer's last feedback: {verdict.feedback or '(none)'}"
            )
        turn.emit(TextDelta(delta=answer))
        turn.add(Message(role="assistant", content=answer, cut=draft.cut))
        turn.output = answer


async def _generate(
    turn: Turn, writer: str, request: str, context: list[Message], draft: str, feedback: str, round_number: int
) -> AgentRun:
    if round_number == 1:
        run = await run_agent(turn, writer, request, context=context, label="writer")
    else:
        revision = (
            f"A reviewer read your answer and asks for changes:\n\n{feedback}\n\n"
            "Write the complete revised answer (not only the changes), addressing every point."
        )
        previous = [*context, user(request), Message(role="assistant", content=draft)]
        run = await run_agent(turn, writer, revision, context=previous, label="writer")
    turn.emit(Step(kind="draft", title=f"draft {round_number}", status="done", data={"round": round_number, "draft": run.answer}))
    return run


async def _critique(turn: Turn, critic: str, request: str, draft: str, round_number: int) -> Verdict:
    profile = turn.profile(critic)
    question = (
        f"The user's request:\n{request}\n\nThe draft answer:\n<draft>\n{draft}\n</draft>\n\n"
        'Does the draft fully and correctly answer the request? Reply with verdict "pass" if it does, '
        'or "revise" with specific, actionable feedback, and your confidence in the verdict (0 to 1).'
    )
    messages = [system(profile.system_prompt), user(question)]
    verdict = await ask_structured(turn, Verdict, messages, agent="critic", model=turn.model_for(profile), temperature=profile.temperature)
    fallback = verdict is None
    if verdict is None:
        turn.emit(Notice(message="the critic gave no valid verdict: the draft is accepted as it is", level="warning"))
        verdict = Verdict(verdict="pass", feedback="")
    data = {"round": round_number, "verdict": verdict.verdict, "feedback": verdict.feedback, "fallback": fallback,
            "confidence": verdict.confidence, "critic": critic}
    turn.emit(Step(kind="critique", title=f"round {round_number}: {verdict.verdict}", status=verdict.verdict, data=data))
    return verdict


