"""A stored conversation as the items the transcript shows: user, assistant, tool call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..costs import TurnCost
    from ..events import Step
    from ..messages import Attachment, Message, ToolCallPart
    from ..session import Session
    from ..session_replay import PastTurn

CONTINUE_COMMAND = "/continue"  # how a continuation's request is shown: what the user typed
RECENT = 120  # stored messages read first: more than the newest page of items needs


@dataclass(frozen=True)
class UserItem:
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class AssistantItem:
    text: str
    interrupted: bool = False
    step_limited: bool = False
    cut: bool = False
    budget_limited: bool = False


@dataclass(frozen=True)
class ToolItem:
    call: ToolCallPart
    result: Message | None  # None: the call has no stored result


@dataclass(frozen=True)
class StepsItem:
    """A past turn's mode steps, shown after its message as they were shown live."""

    steps: tuple[Step, ...]


@dataclass(frozen=True)
class CostItem:
    """A past turn's footer: its model calls, tokens and cost, as shown under the answer live."""

    cost: TurnCost


Item = UserItem | AssistantItem | ToolItem | StepsItem | CostItem


def items_of(messages: list[Message], turns: Sequence[PastTurn] = ()) -> list[Item]:
    """One item per thing shown: a tool call carries its result, system messages are left out.

    `turns`: each turn's steps and spend, one entry per user message, the last entry for the last user message
    of `messages` (a longer list's first entries are for earlier messages than these).
    """
    from ..agent.continuation import CONTINUE_REQUEST  # the core: imported once a session is open

    results = {m.tool_call_id: m for m in messages if m.role == "tool"}
    users = sum(1 for m in messages if m.role == "user")
    tail = list(turns[-users:]) if users else []
    per_user: list[PastTurn | None] = [None for _ in range(users - len(tail))]
    per_user.extend(tail)
    items: list[Item] = []
    turn: PastTurn | None = None
    for message in messages:
        if message.role == "user":
            items.extend(_footer(turn))
            items.append(UserItem(CONTINUE_COMMAND if message.content == CONTINUE_REQUEST else message.typed, tuple(message.attachments)))
            turn = per_user.pop(0)
            if turn is not None and turn.steps:
                items.append(StepsItem(turn.steps))
        elif message.role == "assistant":
            items.extend(_assistant_items(message, results))
    return items + _footer(turn)


def _footer(turn: PastTurn | None) -> list[Item]:
    return [CostItem(turn.cost)] if turn is not None and turn.cost.calls else []


def _assistant_items(message: Message, results: dict[str | None, Message]) -> list[Item]:
    items: list[Item] = []
    if message.content or not message.tool_calls:
        items.append(AssistantItem(message.content, message.interrupted, message.step_limited, message.cut, message.budget_limited))
    items.extend(ToolItem(call, results.get(call.id)) for call in message.tool_calls)
    return items


def older_steps(turns: Sequence[PastTurn], recent: list[Message]) -> Sequence[PastTurn]:
    """The entries of `turns` for the user messages before `recent`."""
    shown = sum(1 for m in recent if m.role == "user")
    return turns[: max(0, len(turns) - shown)]


def user_inputs(messages: list[Message], limit: int = 200) -> list[str]:
    """The user's own messages, oldest first: the prompt's Up/Down history."""
    return [m.typed for m in messages if m.role == "user"][-limit:]


def recent_messages(session: Session, limit: int = RECENT) -> tuple[list[Message], bool]:
    """The newest stored messages, starting at a user message (so no tool result lacks its call),
    and whether they are the whole conversation.

    The transcript shows these at once; the whole conversation (10,000 messages take ~100 ms
    to read) follows from `Session.history()`.
    """
    if not session.persisted:
        return [], True
    messages = session.recent_messages(limit)
    if len(messages) < limit:
        return messages, True
    start = next((i for i, m in enumerate(messages) if m.role == "user"), len(messages))
    return messages[start:], False
