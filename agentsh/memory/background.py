"""A Turn for model calls made outside a user's turn (consolidation, /compact): no tools, events kept aside."""

from __future__ import annotations

from ..agent.turn import Turn
from ..events import Event
from ..models.base import ModelClient
from ..models.structured_output import FormatMemory, RememberedFormats
from ..tools.executor import ToolExecutor
from ..tools.registry import ToolRegistry


def background_turn(
    model: ModelClient, session_id: str, events: list[Event] | None = None, formats: FormatMemory | None = None
) -> Turn:
    registry = ToolRegistry()
    sink = events if events is not None else []
    return Turn(
        session_id=session_id, model=model, registry=registry, executor=ToolExecutor(registry),
        history=[], emit=sink.append, formats=formats or RememberedFormats(),
    )
