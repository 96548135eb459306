"""Escalation: a decision less confident than its threshold goes to another profile, as a visible step.

Router and critic decisions, and workflow agent nodes with `escalate`, carry a `confidence`
(0–1). `escalate = { below = 0.6, to = "strong" }` (profiles.Escalate) sends the work to the
profile `to` when the confidence is below 0.6 (0.6 itself stays). Each escalation is a Step
"escalate" whose data says what was escalated, to whom, and why.
"""

from __future__ import annotations

from ..events import Step
from ..profiles import Escalate
from .turn import Turn


def escalates(escalate: Escalate | None, confidence: float | None) -> bool:
    return escalate is not None and confidence is not None and escalate.applies(confidence)


def report_escalation(turn: Turn, what: str, escalate: Escalate, confidence: float, parent: str | None = None) -> None:
    reason = f"{what}: confidence {confidence:.2f} is below {escalate.below:g}; escalated to {escalate.to}"
    data = {"what": what, "confidence": confidence, "below": escalate.below, "to": escalate.to, "reason": reason}
    turn.emit(Step(kind="escalate", title=f"{what} → {escalate.to}", status="done", parent_id=parent, data=data))
