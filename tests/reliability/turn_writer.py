"""A worker for case 34: a turn written from "another host", left streaming until it is killed.

    python turn_writer.py HOME SESSION HOST PROMPT

It resumes SESSION on HOME as a process on host HOST would (socket.gethostname() says HOST,
so the turn's row records it), starts a turn whose model streams a partial answer and then
never finishes, prints `streaming` once that partial answer is checkpointed, and waits to be
killed.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from agentsh.config import Settings
from agentsh.events import TextDelta
from agentsh.session import Session

PARTIAL = "half an answer, cut off"


class StallingModel:
    """Streams PARTIAL, then hangs: the turn is running for as long as the process lives."""

    name = "offline"

    async def stream(self, request):
        yield TextDelta(delta=PARTIAL)
        await asyncio.Event().wait()


async def main(home: str, session_id: str, prompt: str) -> None:
    session = Session.open(Settings(home=Path(home), model="offline", mode="chat"), resume=session_id)
    session.model = StallingModel()
    async for event in session.send(prompt):
        if isinstance(event, TextDelta):  # checkpointed before it was handed to us
            print("streaming", flush=True)


if __name__ == "__main__":
    home, session_id, host, prompt = sys.argv[1:5]
    socket.gethostname = lambda: host  # type: ignore[assignment]
    asyncio.run(main(home, session_id, prompt))
