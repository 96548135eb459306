"""What a turn may still spend: checked before every model call, nested modes included.

One `TurnBudget` per turn, shared by every (nested) `Turn` of it: a debate inside a planner task
draws from the same counts. Limits come from `[budget]` (and --max-cost / --max-tokens, /budget);
the session's and the day's spending before this turn come from the store.

- `check()` runs before a call: at 100% of any limit it raises BudgetExceededError (the call is not
  made); at 80% it returns a warning, once per limit. Calls still under way (a debate's round, parallel
  branches) count at the turn's average per call so far: calls started together stop at the limit
  instead of all passing the check before any of them has cost anything.
- `spend()` runs after a call. Cost is litellm's price; a call whose price is unknown adds nothing to
  the cost counts, and the first one in a turn with a cost limit returns a warning saying so (the
  token and call limits still apply): unknown never silently passes for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..costs import dollars
from ..errors import BudgetExceededError

WARN_AT = 0.8


@dataclass(frozen=True)
class Limits:
    """Every limit a turn runs under; None: no limit."""

    max_cost: float | None = None  # per turn
    max_tokens: int | None = None
    max_model_calls: int | None = None
    session_max_cost: float | None = None
    session_max_tokens: int | None = None
    daily_max_cost: float | None = None
    daily_max_tokens: int | None = None

    @property
    def any_cost(self) -> bool:
        return any(v is not None for v in (self.max_cost, self.session_max_cost, self.daily_max_cost))


@dataclass(frozen=True)
class Spent:
    """Tokens and known cost spent before this turn (a session's, a day's); `unpriced`: how many of its turns
    had a call litellm could not price (the cost is then a lower bound)."""

    tokens: int = 0
    cost: float = 0.0
    unpriced: int = 0


# (limit field, scope, what, how to raise it)
_CHECKS = (
    ("max_cost", "turn", "cost", "--max-cost, /budget cost N, or max_cost in [budget]"),
    ("max_tokens", "turn", "tokens", "--max-tokens, /budget tokens N, or max_tokens in [budget]"),
    ("max_model_calls", "turn", "calls", "/budget calls N, or max_model_calls in [budget]"),
    ("session_max_cost", "session", "cost", "/budget session-cost N, or session_max_cost in [budget]"),
    ("session_max_tokens", "session", "tokens", "/budget session-tokens N, or session_max_tokens in [budget]"),
    ("daily_max_cost", "day", "cost", "/budget daily-cost N, or daily_max_cost in [budget]"),
    ("daily_max_tokens", "day", "tokens", "/budget daily-tokens N, or daily_max_tokens in [budget]"),
)


@dataclass
class TurnBudget:
    limits: Limits = field(default_factory=Limits)
    session: Spent = field(default_factory=Spent)
    day: Spent = field(default_factory=Spent)
    tokens: int = 0  # this turn's, every nested call included
    cost: float = 0.0  # this turn's known cost
    calls: int = 0
    cost_unknown: bool = False
    under_way: int = 0  # calls made and not yet answered
    _warned: set[str] = field(default_factory=set)
    _active: tuple = ()

    def __post_init__(self) -> None:
        self._active = tuple(check for check in _CHECKS if getattr(self.limits, check[0]) is not None)

    def check(self) -> str | None:
        """Before a model call: raises BudgetExceededError when a limit is reached; a warning at 80%, once per limit."""
        warning = None
        for name, scope, what, how in self._active:
            limit = getattr(self.limits, name)
            used = self._used(scope, what)
            if used + self._coming(what) >= limit:
                coming = f", {self.under_way} more call{'s' if self.under_way != 1 else ''} under way" if used < limit else ""
                raise BudgetExceededError(
                    f"the {scope}'s {_what(what)} budget is spent ({_amount(what, used)} of {_amount(what, limit)}{coming}): "
                    f"the turn stopped, its partial work kept. Raise the limit with {how}"
                )
            if used >= WARN_AT * limit and name not in self._warned:
                self._warned.add(name)
                warning = f"{used / limit:.0%} of the {scope}'s {_what(what)} budget used ({_amount(what, used)} of {_amount(what, limit)})"
        return warning

    def spend(self, tokens: int, cost: float | None) -> str | None:
        """After a model call; a warning the first time a cost limit meets a call whose price is unknown."""
        self.calls += 1
        self.tokens += tokens
        if cost is not None:
            self.cost += cost
            return None
        if self.cost_unknown or not self.limits.any_cost:
            self.cost_unknown = True
            return None
        self.cost_unknown = True
        return (
            "the price of this model is unknown to litellm: the cost budget cannot count its calls "
            "(the token and call limits still apply; set max_tokens to cap it)"
        )

    def _coming(self, what: str) -> float:
        """What the calls under way will add, at this turn's average per answered call."""
        if what == "calls":
            return self.under_way
        if not self.calls:
            return 0.0
        return self.under_way * (self.tokens if what == "tokens" else self.cost) / self.calls

    def _used(self, scope: str, what: str) -> float:
        if what == "calls":
            return self.calls
        base = {"turn": Spent(), "session": self.session, "day": self.day}[scope]
        return base.tokens + self.tokens if what == "tokens" else base.cost + self.cost


def _what(what: str) -> str:
    return {"calls": "model-call", "tokens": "token", "cost": "cost"}[what]


def _amount(what: str, value: float) -> str:
    if what == "cost":
        shown = dollars(value)  # $0.01 of a limit, $0.000027 of a tiny spend: never "$0 of $0"
        return shown.rstrip("0").rstrip(".") if "." in shown else shown
    return f"{int(value):,} {what if what == 'tokens' else 'model calls'}"
