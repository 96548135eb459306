"""What a sub-agent (a plan task, a worker, a debater, a branch) is writing, as it streams."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Collapsible, Static

from ..literal import literal, one_line

AGENT_CHARS = 40  # of a sub-agent's name in the title ("task <its id>" can be a whole sentence)
TAIL_CHARS = 4000  # a long sub-answer shows its end: updating it stays cheap


class AgentStream(Collapsible):
    def __init__(self, agent: str) -> None:
        self.agent = agent
        self.parts: list[str] = []
        self._body = Static(classes="agent-body")
        # Collapsible takes Content (shown as is, never parsed as markup); textual annotates `title` as str
        super().__init__(self._body, title=Content(f"✎ {one_line(agent, AGENT_CHARS)} (what it wrote)"), collapsed=True, classes="agent-stream")  # type: ignore[arg-type]

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def write(self, delta: str) -> None:
        self.parts.append(delta)
        if not self.collapsed:
            self._show()

    def _show(self) -> None:
        text = self.text
        self._body.update(literal(text if len(text) <= TAIL_CHARS else "…" + text[-TAIL_CHARS:]))

    def on_collapsible_expanded(self) -> None:
        self._show()
