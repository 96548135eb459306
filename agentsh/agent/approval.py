"""Who decides whether a tool that acts outside the conversation may run."""

from __future__ import annotations

from enum import Enum
from typing import Iterable, Literal

PolicyMode = Literal["ask", "auto", "deny"]


class Decision(str, Enum):
    ONCE = "once"
    ALWAYS = "always"
    DENY = "deny"


class ApprovalPolicy:
    """`ask` (the default) asks the UI, `auto` (`--yes`) allows, `deny` refuses.

    Per-tool rules from the config file override the mode; "Always for this tool"
    answers add an allow rule for the rest of the session.
    """

    def __init__(self, mode: PolicyMode = "ask", allow: Iterable[str] = (), deny: Iterable[str] = ()) -> None:
        self.mode = mode
        self.allowed = set(allow)
        self.denied = set(deny)

    def verdict(self, tool_name: str) -> Literal["allow", "deny", "ask"]:
        if tool_name in self.denied or self.mode == "deny":
            return "deny"
        if tool_name in self.allowed or self.mode == "auto":
            return "allow"
        return "ask"

    def record(self, tool_name: str, decision: Decision) -> None:
        if decision is Decision.ALWAYS:
            self.allowed.add(tool_name)
