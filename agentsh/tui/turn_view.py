"""One turn's events, shown in the transcript as they arrive."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.widget import Widget

from ..costs import TurnCost
from .widgets.agent_stream import AgentStream
from .widgets.answer import AssistantMessage, StreamingAnswer, marker
from .widgets.extras import CompactionBlock, MemoryBlock
from .widgets.messages import NoticeLine
from .widgets.past_steps import StepPlacer, group_widget
from .widgets.steps import PlanChecklist, StepList
from .widgets.tool_block import ToolBlock
from .widgets.turn_cost import TurnFooter

if TYPE_CHECKING:
    from ..events import (
        ApprovalRequest,
        Compaction,
        ElicitationRequest,
        Error,
        Event,
        MemoryRecall,
        Notice,
        SamplingRequest,
        Step,
        TextDelta,
        ToolCall,
        ToolProgress,
        ToolResult,
        TurnDone,
        Usage,
    )
    from .widgets.transcript import TranscriptView

Notify = Callable[[str, SeverityLevel], None]


class TurnView:
    """Maps each event to the widget that shows it, creating widgets as they are first needed."""

    def __init__(
        self, transcript: TranscriptView, notify: Notify, ask: Callable[[ApprovalRequest | ElicitationRequest | SamplingRequest], None],
        before: tuple[float | None, int] = (0.0, 0),
    ) -> None:
        self.transcript, self.notify, self.ask = transcript, notify, ask
        self.before = before  # the session's cost and tokens as the turn began: its last events arrive once it is stored
        self.answer: StreamingAnswer | None = None
        self.answered = False
        self.tools: dict[str, ToolBlock] = {}
        self.groups: dict[tuple[str, str | None], PlanChecklist | StepList] = {}  # by group and nested run
        self.placer = StepPlacer()  # which group of which nested run each step goes to
        self.agents: dict[str, AgentStream] = {}
        self.tokens = 0
        self.context: int | None = None  # what the turn's latest own model call read and wrote
        self.cost: float | None = 0.0
        self.spend = TurnCost()  # the answer's footer
        self.events = 0
        self.last_added: Widget | None = None  # the newest widget this turn put in the transcript

    async def show(self, event: Event) -> None:
        self.events += 1
        handler = getattr(self, f"_on_{event.type}", None)
        if handler is not None:
            await handler(event)

    async def _add(self, widget: Widget) -> None:
        await self.transcript.add(widget)
        self.last_added = widget

    # the answer and what sub-agents write ---------------------------------------------

    async def _on_text(self, event: TextDelta) -> None:
        if event.agent is not None:
            stream = self.agents.get(event.agent)
            if stream is None:
                stream = self.agents[event.agent] = AgentStream(event.agent)
                await self._add(stream)
            stream.write(event.delta)
            return
        if self.answer is None:
            self.answer = StreamingAnswer()
            self.answered = True
            await self._add(self.answer)
        self.answer.write(event.delta)

    async def close_answer(self, interrupted: bool = False, step_limited: bool = False, cut: bool = False, budget_limited: bool = False) -> None:
        answer, self.answer = self.answer, None
        if answer is not None:
            await answer.finish(interrupted, step_limited, cut, budget_limited)

    # tools ----------------------------------------------------------------------------

    async def _on_tool_call(self, event: ToolCall) -> None:
        await self.close_answer()  # text after the call is a new paragraph below it
        block = self.tools[event.id] = ToolBlock(event.id, event.name, event.arguments, event.agent)
        await self._add(block)

    async def _on_tool_result(self, event: ToolResult) -> None:
        block = self.tools.get(event.id)
        if block is None:  # a result whose call was not shown (e.g. a resumed or replayed stream)
            block = self.tools[event.id] = ToolBlock(event.id, event.name, "", event.agent)
            await self._add(block)
        block.finish(event.ok, event.output, event.duration_ms)

    async def _on_tool_progress(self, event: ToolProgress) -> None:
        block = self.tools.get(event.id)
        if block is not None and block.ok is None:
            block.report_progress(event.label)

    async def _on_approval(self, event: ApprovalRequest) -> None:
        block = self.tools.get(event.id)
        if block is not None:
            block.waiting_for_approval(True)
        self.ask(event)

    async def _on_elicitation(self, event: ElicitationRequest) -> None:
        self.ask(event)

    async def _on_sampling(self, event: SamplingRequest) -> None:
        self.ask(event)

    # mode steps -------------------------------------------------------------------------

    async def _on_step(self, event: Step) -> None:
        """Each nested mode run (a mode profile at work) gets its own groups, indented under its "mode" row: a tree.
        A workflow's nodes stay in their workflow's list, which draws them as a tree itself."""
        self.spend.add(event)
        key, depth = self.placer.place(event)
        widget = self.groups.get(key)
        if widget is None:
            widget = self.groups[key] = group_widget(key[0], depth)
            await self._add(widget)
        widget.add_step(event)

    # everything else ----------------------------------------------------------------------

    async def _on_usage(self, event: Usage) -> None:
        self.spend.add(event)
        self.tokens += event.prompt_tokens + event.completion_tokens
        if event.agent is None:
            self.context = event.prompt_tokens + event.completion_tokens
        self.cost = None if event.cost is None or self.cost is None else self.cost + event.cost

    async def _on_notice(self, event: Notice) -> None:
        await self._add(NoticeLine(event.message, event.level))
        self.notify(event.message, "warning" if event.level == "warning" else "information")

    async def _on_error(self, event: Error) -> None:
        await self._add(NoticeLine(event.message, "error"))
        self.notify(event.message, "error")

    async def _on_memory(self, event: MemoryRecall) -> None:
        if event.memories:
            await self._add(MemoryBlock(event))

    async def _on_compaction(self, event: Compaction) -> None:
        await self._add(CompactionBlock(event))

    async def _on_done(self, event: TurnDone) -> None:
        if self.answer is not None:
            await self.close_answer(event.interrupted, event.step_limited, event.cut, event.budget_limited)
        elif not self.answered and event.output and not event.failed:
            await self._add(AssistantMessage(event.output, event.interrupted, event.step_limited, event.cut, event.budget_limited))
        elif (note := marker(event.interrupted, event.step_limited, event.cut, event.budget_limited, kept=self.answered)) is not None:
            await self._add(NoticeLine(note.plain, "warning"))
        if self.spend.calls:  # under the turn's last widget, above a command's output shown meanwhile (/status)
            await self.transcript.add(TurnFooter(self.spend), after=self.last_added)
