"""TUI figures: first paint (and `agentsh --plain`'s prompt), opening a 10,000-message session, streaming, render lag, memory.

Start-up and memory are measured on the real `agentsh` console script in tmux (a real
terminal), from launch until the screen shows what is measured; the floor, in the same run,
is a bare Textual app (Header + Input). Streaming is measured in-process on the headless
driver, feeding the app's real event path from a fake turn.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agentsh.config import Settings
from agentsh.events import TextDelta, TurnDone
from agentsh.messages import Message
from agentsh.session import Session, open_store

from bench_sessions import conversation
from harness import Figure, median

TMUX = shutil.which("tmux")
AGENTSH = Path(sys.executable).with_name("agentsh")
SESSION_MESSAGES = 10_000
ANSWER_TOKENS = 20_000
PACED_RATE = 2_000  # tokens per second for the render-lag figure

FLOOR_APP = """
import sys
from textual.app import App
from textual.widgets import Header, Input
class Floor(App):
    def compose(self):
        yield Header()
        yield Input(placeholder="FLOOR-READY")
    def on_mount(self):
        if "--litellm" in sys.argv:  # litellm as agentsh loads it (with what its first call imports)
            from agentsh.models.litellm import load_litellm
            load_litellm()
Floor().run()
"""


PLAIN_FLOOR = """
from prompt_toolkit import PromptSession
PromptSession(bottom_toolbar=" floor ").prompt("FLOOR ❯ ")
"""
# `--plain` on a model that goes through litellm (imported in the background once the prompt is up);
# nothing listens at the address: no request is made before a message is sent
PLAIN_ENV = "OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:9/v1"


class Pane:
    """A tmux server of its own running one command in a 120x40 terminal."""

    def __init__(self, command: str) -> None:
        self.socket = f"agentsh-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.started = time.perf_counter()
        self.tmux("new-session", "-d", "-s", "b", "-x", "120", "-y", "40", command)

    def tmux(self, *args: str) -> str:
        # os.environ explicitly: a COLUMNS left in the C-level environment would override the tmux size
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, env=dict(os.environ))
        return done.stdout

    def seconds_until(self, *markers: str, timeout: float = 20.0) -> float:
        while time.perf_counter() - self.started < timeout:
            screen = self.tmux("capture-pane", "-p", "-t", "b")
            if all(marker in screen for marker in markers):
                return time.perf_counter() - self.started
            time.sleep(0.003)
        raise RuntimeError(f"{markers} never appeared:\n{screen}")

    def rss_mb(self) -> float:
        pid = self.tmux("display", "-p", "-t", "b", "#{pane_pid}").strip()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def close(self) -> None:
        self.tmux("kill-server")


def timed(command: str, *markers: str) -> float:
    pane = Pane(command)
    try:
        return pane.seconds_until(*markers) * 1000
    finally:
        pane.close()


def big_session(home: Path) -> str:
    store = open_store(Settings(home=home))
    record = store.create(mode="tools", model="offline", title="ten thousand messages")
    messages = conversation(random.Random(7), SESSION_MESSAGES - 2)
    messages += [Message(role="user", content="one last question"), Message(role="assistant", content="THE-NEWEST-ANSWER")]
    store.add_messages(record.id, messages)
    return record.id


# start-up ------------------------------------------------------------------------------------


def compile_package() -> None:
    """agentsh's bytecode, as `pip install` writes it. Without it, PYTHONDONTWRITEBYTECODE (set in
    some environments) has an editable install compile every module from source at every start
    (~40 ms), while Textual, the floor, loads its installed bytecode."""
    import compileall

    import agentsh
    from agentsh.plugin_loader.loader import bundled_plugin_dir

    for directory in (Path(agentsh.__file__).parent, bundled_plugin_dir()):
        compileall.compile_dir(directory, quiet=1)


def startup_figures(work: Path, repeat: int) -> list[Figure]:
    compile_package()
    floor_script = work / "floor_app.py"
    floor_script.write_text(FLOOR_APP)
    plain_floor_script = work / "plain_floor.py"
    plain_floor_script.write_text(PLAIN_FLOOR)
    home = work / "home"
    session_id = big_session(home)
    floor, paint, opened, plain_floor, plain = [], [], [], [], []
    for _ in range(repeat):
        floor.append(timed(f"exec {sys.executable} {floor_script}", "FLOOR-READY"))
        paint.append(timed(f"cd {work} && exec {AGENTSH} --home {work / 'fresh'}", "Message agentsh"))
        opened.append(timed(f"cd {work} && exec {AGENTSH} --home {home} -r {session_id}", "THE-NEWEST-ANSWER", "ready"))
        plain_floor.append(timed(f"exec {sys.executable} {plain_floor_script}", "FLOOR ❯"))
        plain.append(timed(f"cd {work} && {PLAIN_ENV} exec {AGENTSH} --plain --home {work / 'plain'} --model openai/fake-model", "tools ❯"))
    base = median(floor)
    first, ready = median(paint), median(opened)
    plain_base, plain_ready = median(plain_floor), median(plain)
    return [
        Figure("TUI first paint, input focused (floor: Textual Header + Input)", first, base, "≤ 500 ms", met=first <= 500),
        Figure("`agentsh --plain` prompt ready for input, litellm model (floor: a bare prompt-toolkit prompt)", plain_ready, plain_base,
               "≤ TUI first paint", met=plain_ready <= first),
        Figure("TUI `-r` a 10,000-message session: newest messages on screen, ready", ready, base, "≤ 500 ms", met=ready <= 500),
    ]


def memory_figure(work: Path) -> Figure:
    """RSS once a 10,000-message session is open on a litellm model (litellm warmed up)."""
    home = work / "home"
    session_id = open_store(Settings(home=home)).list(1)[0].id
    floor = Pane(f"exec {sys.executable} {work / 'floor_app.py'} --litellm")
    ours = Pane(f"cd {work} && exec {AGENTSH} --home {home} -r {session_id} --model openai/gpt-4o-mini")
    try:
        floor.seconds_until("FLOOR-READY")
        ours.seconds_until("THE-NEWEST-ANSWER", "ready")
        time.sleep(8)  # both import litellm after painting; let them settle
        base, measured = floor.rss_mb(), ours.rss_mb()
    finally:
        floor.close()
        ours.close()
    return Figure("TUI RSS, 10,000-message session + litellm (floor: Textual + litellm)", measured, base, "≤ floor + 60 MB", "MB",
                  met=measured <= base + 60)


# in-app opening and streaming (headless) -----------------------------------------------------


def tokens(count: int) -> list[str]:
    """A long Markdown answer in word-sized pieces, a paragraph every ~60 of them."""
    rng = random.Random(3)
    words = "the agent streams a long answer with **bold** words, `code`, and lists of things".split()
    pieces = []
    for index in range(count):
        pieces.append(rng.choice(words) + (".\n\n" if index % 60 == 59 else " "))
    pieces[-1] = "THE-END"
    return pieces


def fake_turn(app, session: Session, pieces: list[str], marks: dict, rate: float | None = None) -> None:
    """`session.send` yields the pieces (as fast as consumed, or paced at `rate` per second)."""

    async def send(text: str, options=None):
        started = time.perf_counter()
        for index, piece in enumerate(pieces):
            if index in marks:
                marks[index] = time.perf_counter()
            if rate and index % 20 == 0:
                await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            yield TextDelta(delta=piece)
        marks["last"] = time.perf_counter()
        await until_on_screen(app)
        marks["shown"] = time.perf_counter()
        yield TurnDone(session_id=session.id, output="".join(pieces))

    session.send = send


async def until(condition, what: str, limit: float = 120.0, poll: float = 0.001) -> None:
    """Wait for `condition()`, at most `limit` seconds: a TUI that never gets there fails the suite, not hangs it."""
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"bench_tui: {what} did not happen within {limit:.0f} s")
        await asyncio.sleep(poll)


async def until_on_screen(app) -> None:
    """Until the streamed Markdown holds the last piece, nothing is pending, and a frame was drawn."""
    from agentsh.tui.widgets.answer import StreamingAnswer

    def drawn() -> bool:
        answers = list(app.transcript.query(StreamingAnswer))
        stream = answers[0]._stream if answers else None
        return bool(answers) and answers[0]._markdown.source.endswith("THE-END") and (stream is None or not stream._pending)

    await until(drawn, "the streamed answer's last piece on screen")
    await asyncio.sleep(1 / 60)  # the compositor draws at most one frame later


async def stream_once(pieces: list[str], rate: float | None) -> dict:
    from agentsh.models.warmup import Warmup
    from agentsh.tui.app import AgentshApp

    home = Path(tempfile.mkdtemp(prefix="agentsh-bench-tui-"))
    session = Session.open(Settings(home=home, model="offline"))
    quarter = len(pieces) // 4
    marks: dict = {0: 0.0, quarter: 0.0, 3 * quarter: 0.0, len(pieces) - 1: 0.0}
    app = AgentshApp(lambda: session, warmup=Warmup(needed=lambda model: False))
    fake_turn(app, session, pieces, marks, rate)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_ready.wait()
        app.prompt.set_text("go")
        await pilot.press("enter")
        await until(lambda: "shown" in marks, "the answer shown", poll=0.01)
        await until(lambda: not app.runner.busy, "the turn's end", poll=0.01)
    shutil.rmtree(home, ignore_errors=True)
    marks["quarter"] = quarter
    return marks


def _fresh_heap(run):
    """Run with the earlier benchmarks' objects collected and frozen: a full collection of their
    leftovers would land in one quarter of the answer by chance, and say nothing about its length."""
    gc.collect()
    gc.freeze()
    try:
        return run()
    finally:
        gc.unfreeze()


def streaming_figures(quick: bool) -> list[Figure]:
    count = ANSWER_TOKENS // (4 if quick else 1)
    pieces = tokens(count)
    runs = [_fresh_heap(lambda: asyncio.run(stream_once(pieces, None))) for _ in range(1 if quick else 3)]
    quarter = runs[0]["quarter"]
    total = median([run["shown"] - run[0] for run in runs])
    first = median([(run[quarter] - run[0]) / quarter * 1e6 for run in runs])
    last = median([(run[len(pieces) - 1] - run[3 * quarter]) / (len(pieces) - 1 - 3 * quarter) * 1e6 for run in runs])
    paced = _fresh_heap(lambda: asyncio.run(stream_once(pieces, PACED_RATE)))
    lag = (paced["shown"] - paced["last"]) * 1000
    rate = count / total
    return [
        Figure(f"TUI streaming a {count:,}-token answer: tokens/s kept up with", rate, None, "≥ 5,000 /s", "tok/s", met=rate >= 5000),
        Figure("TUI time per token, last quarter (floor: first quarter)", last, first, "no growth (≤ 1.5×)", "µs", met=last <= 1.5 * first),
        Figure(f"TUI render lag after the last token at {PACED_RATE:,} tok/s", lag, None, "≤ 150 ms", met=lag <= 150),
    ]


def switch_figures() -> list[Figure]:
    """In a running app: resume the 10,000-message session (newest page shown, then all of it read)."""
    return asyncio.run(_switch())


async def _switch() -> list[Figure]:
    from agentsh.models.warmup import Warmup
    from agentsh.tui.app import AgentshApp
    from agentsh.tui.widgets.answer import AssistantMessage

    home = Path(tempfile.mkdtemp(prefix="agentsh-bench-tui-"))
    session_id = big_session(home)
    app = AgentshApp(lambda: Session.open(Settings(home=home, model="offline")), warmup=Warmup(needed=lambda model: False))
    shown, loaded = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.session_ready.wait()
        for _ in range(5):
            started = time.perf_counter()
            switching = asyncio.create_task(app.switch_session(session_id))
            await until(
                lambda: app.session_ready.is_set() and any(m.source == "THE-NEWEST-ANSWER" for m in app.transcript.query(AssistantMessage)),
                "the resumed session's newest answer shown",
            )
            shown.append((time.perf_counter() - started) * 1000)
            await switching
            loaded.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
            await app.switch_session(None)
    shutil.rmtree(home, ignore_errors=True)
    on_screen, whole = median(shown), median(loaded)
    return [
        Figure("TUI in-app resume of a 10,000-message session: newest page shown, ready", on_screen, None, "≤ 500 ms", met=on_screen <= 500),
        Figure("TUI in-app resume: all 10,000 messages read (older pages, history)", whole, None, "—"),
    ]


def figures(quick: bool = False) -> list[Figure]:
    results = streaming_figures(quick) + switch_figures()
    if TMUX is None:
        print("bench_tui: tmux is not installed: start-up and memory figures skipped", file=sys.stderr)
        return results
    with tempfile.TemporaryDirectory(prefix="agentsh-bench-tui-") as work:
        results = startup_figures(Path(work), 3) + results + [memory_figure(Path(work))]
    return results


if __name__ == "__main__":
    from harness import table

    print(table(figures(quick="--quick" in sys.argv)))
