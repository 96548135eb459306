"""What an answer cost, as both UIs show it: its model calls, tokens in/out/cached and dollars.

`TurnCost` reads a turn's events (each `Usage` is one model call) and keeps one `CallCost` per
call, labelled with the agent or mode step it belongs to, for the answer's footer. A cost litellm
does not know is never shown as zero: "unknown", or a lower bound ("≥ $0.0120 + unknown").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # read by type only: `agentsh stats` formats costs without loading the event models (pydantic)
    from .events import Event


SMALLEST = 1e-8  # below this a cost is shown as "<$0.00000001"
TINY = 0.000095  # below this four decimals would read $0.0000 (from here on they round to $0.0001)


def dollars(amount: float) -> str:
    """$0.0123 below a dollar (cheap calls stay visible), $12.34 above; under $0.0001 two significant
    digits ($0.000023): a cost that is not zero never reads as $0.0000."""
    if 0 < amount < TINY:
        return f"${amount:.{1 - math.floor(math.log10(amount))}f}".rstrip("0") if amount >= SMALLEST else f"<${SMALLEST:.8f}"
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"


def cost_text(cost: float, unpriced_calls: int, calls: int | None = None) -> str:
    """The cost of some model calls, `unpriced_calls` of which litellm could not price."""
    if not unpriced_calls:
        return dollars(cost)
    if (calls is not None and unpriced_calls >= calls) or not cost:
        return "unknown"
    return f"≥ {dollars(cost)} + unknown"


def tokens_text(prompt: int, completion: int, cached: int) -> str:
    cached_part = f" ({cached:,} cached)" if cached else ""
    return f"{prompt:,} in{cached_part} · {completion:,} out"


@dataclass(frozen=True)
class CallCost:
    """One model call: which model, for which agent or step, and what it used."""

    label: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    cost: float | None
    reused: bool = False  # a replay's kept answer: no call was made


@dataclass
class TurnCost:
    """A turn's model calls so far, fed its events one by one."""

    calls: list[CallCost] = field(default_factory=list)
    _step: str | None = None

    def add(self, event: Event) -> None:
        if event.type == "step":
            self._step = event.title
        elif event.type == "usage":
            label = event.agent or self._step or "answer"
            self.calls.append(
                CallCost(label, event.model, event.prompt_tokens, event.completion_tokens, event.cached_tokens, event.cost, event.reused)
            )

    @property
    def prompt_tokens(self) -> int:
        return sum(c.prompt_tokens for c in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.calls)

    @property
    def cached_tokens(self) -> int:
        return sum(c.cached_tokens for c in self.calls)

    @property
    def unpriced_calls(self) -> int:
        return sum(c.cost is None for c in self.calls)

    @property
    def cost(self) -> float:
        """What the priced calls cost (see `unpriced_calls`)."""
        return sum(c.cost or 0.0 for c in self.calls)

    def summary(self) -> str:
        """"3 model calls · 1,200 in (800 cached) · 310 out · $0.0012"."""
        count = len(self.calls)
        reused = sum(call.reused for call in self.calls)
        calls = f"{count} model call{'' if count == 1 else 's'}" + (f" ({reused} reused)" if reused else "")
        tokens = tokens_text(self.prompt_tokens, self.completion_tokens, self.cached_tokens)
        return f"{calls} · {tokens} · {cost_text(self.cost, self.unpriced_calls, count)}"

    def steps(self) -> list[StepCost]:
        """The calls summed per step (or agent) and model, in the order they were first made."""
        grouped: dict[tuple[str, str], StepCost] = {}
        for call in self.calls:
            step = grouped.setdefault((call.label, call.model), StepCost(call.label, call.model))
            step.add(call)
        return list(grouped.values())


@dataclass
class StepCost:
    """One step's (or agent's) calls to one model."""

    label: str
    model: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    unpriced_calls: int = 0

    def add(self, call: CallCost) -> None:
        self.calls += 1
        self.prompt_tokens += call.prompt_tokens
        self.completion_tokens += call.completion_tokens
        self.cached_tokens += call.cached_tokens
        self.cost += call.cost or 0.0
        self.unpriced_calls += call.cost is None

    def line(self) -> str:
        """"planner · openai/gpt-4o · 2 calls · 900 in (300 cached) · 120 out · $0.0031"."""
        calls = f"{self.calls} call{'' if self.calls == 1 else 's'}"
        tokens = tokens_text(self.prompt_tokens, self.completion_tokens, self.cached_tokens)
        return f"{self.label} · {self.model} · {calls} · {tokens} · {cost_text(self.cost, self.unpriced_calls, self.calls)}"
