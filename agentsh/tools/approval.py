"""Who decides whether a tool that acts outside the conversation may run."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Literal

PolicyMode = Literal["ask", "auto", "deny"]


class Decision(str, Enum):  # noqa: UP042 (a StrEnum would change str() of a member)
    ONCE = "once"
    ALWAYS = "always"
    DENY = "deny"


class ApprovalPolicy:
    """`ask` (the default) asks the UI, `auto` (`--yes`) allows, `deny` refuses.

    Per-tool rules from the config file override the mode. An "Always" answer adds an
    allow rule for the rest of the session, limited to the call's scope: for the shell,
    the command's first word, and never a chained or redirected command.
    """

    def __init__(self, mode: PolicyMode = "ask", allow: Iterable[str] = (), deny: Iterable[str] = ()) -> None:
        self.mode = mode
        self.allowed = set(allow)
        self.denied = set(deny)
        self.allowed_scopes: set[tuple[str, str]] = set()

    def verdict(self, tool_name: str, scope: str | None = "*") -> Literal["allow", "deny", "ask"]:
        if tool_name in self.denied or self.mode == "deny":
            return "deny"
        if tool_name in self.allowed or self.mode == "auto":
            return "allow"
        if scope is not None and (tool_name, scope) in self.allowed_scopes:
            return "allow"
        return "ask"

    def record(self, tool_name: str, decision: Decision, scope: str | None = "*") -> None:
        if decision is Decision.ALWAYS and scope is not None:
            self.allowed_scopes.add((tool_name, scope))
