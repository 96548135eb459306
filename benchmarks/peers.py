"""agentsh beside the terminal LLM tools users pick instead, in one run, against one local fake server.

    python benchmarks/peers.py              # install the peers once (benchmarks/.peers-venv), measure, write peers.md
    python benchmarks/peers.py --runs 3     # fewer runs per figure
    python benchmarks/peers.py --dry-run    # say what would be measured, with which commands; install and run nothing

Peers: simonw's `llm`, `aider-chat`, `elia-chat`, `oterm`, each in its own virtual environment, home and config,
pointed at the fake server (tests/fakeserver.py, plus Ollama's endpoints for oterm); no network beyond 127.0.0.1.
Tools are measured in turn, run by run (A B C D A B C D ...), in tmux terminals of 120x40 read by polling the screen;
the table gives medians and agentsh's ratio to the best peer in each row (lower is better everywhere).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from peer_tools import measure
from peer_tools.agentsh_tool import Agentsh, compile_agentsh
from peer_tools.aider_tool import Aider
from peer_tools.elia_tool import Elia
from peer_tools.fake import PeerServer
from peer_tools.install import PACKAGES, bin_dir, install_all
from peer_tools.llm_tool import Llm
from peer_tools.oterm_tool import Oterm
from peer_tools.report import Results, table
from peer_tools.terminal import Timeout
from peer_tools.tool import FULL_SCREEN, LINE, Tool

OUTPUT = Path(__file__).with_name("peers.md")
NO_PROMPT = f"> {measure.READY_TIMEOUT:.0f} s (no prompt)"
PEERS: dict[str, type[Tool]] = {"llm": Llm, "aider": Aider, "elia": Elia, "oterm": Oterm}


def make_tools(work: Path, server: PeerServer, missing: dict[str, str]) -> list[Tool]:
    tools: list[Tool] = [Agentsh("agentsh", Path(sys.executable).parent)]
    for name, cls in PEERS.items():
        tools.append(cls(name, bin_dir(PACKAGES[name]), skipped=missing.get(PACKAGES[name], "")))
    for tool in tools:
        tool.home, tool.server = work / tool.name, server
        tool.home.mkdir(parents=True)
    return tools


def prepared(tools: list[Tool]) -> dict[str, str]:
    """Each tool's config and 200-turn conversation written; tool -> version (or why it is skipped)."""
    versions = {}
    for tool in tools:
        if not tool.skipped:
            try:
                tool.prepare()
                versions[tool.name] = tool.version()
            except Exception as error:  # a peer's own failure: reported in the table, the run goes on
                tool.skipped = f"setup failed: {error}"[:160]
        versions.setdefault(tool.name, f"skipped: {tool.skipped}")
    return versions


def sample(results: Results, row: tuple[str, str | None], tool: Tool, take: Callable[[], float]) -> None:
    try:
        results.add(row, tool.name, take())
    except Timeout as error:
        print(f"peers: {tool.name} {row}: timed out; screen:\n{error}", file=sys.stderr)
        results.explain(row, tool.name, "timed out")
    except measure.Failure as error:
        print(f"peers: {tool.name} {row}: {error}", file=sys.stderr)
        results.explain(row, tool.name, f"failed: {error}"[:80])


def ready_round(tools: list[Tool], results: Results, resume: bool, record: bool = True) -> None:
    """Every tool's every mode started once (in turn): ready time and RSS."""
    for tool in live(tools):
        for mode in tool.modes():
            prefix = "resume_" if resume else ""
            if resume and mode.resume_argv is None:
                results.explain(("resume_ready", mode.kind), tool.name, mode.no_resume)
                results.explain(("resume_rss", mode.kind), tool.name, mode.no_resume)
                continue
            if results.cells.get((prefix + "ready", mode.kind, tool.name)) == [math.inf]:
                continue  # it timed out the first time: another minute would say nothing new
            try:
                started, rss = measure.ready(tool, mode, resume)
            except Timeout as error:
                print(f"peers: {mode.label}: no prompt; screen:\n{error}", file=sys.stderr)
                if record:
                    results.add((prefix + "ready", mode.kind), tool.name, math.inf)
                results.explain((prefix + "rss", mode.kind), tool.name, NO_PROMPT)
                continue
            if record:
                results.add((prefix + "ready", mode.kind), tool.name, started)
                results.add((prefix + "rss", mode.kind), tool.name, rss)


def oneshot_round(tools: list[Tool], results: Results) -> None:
    for tool in live(tools):
        argv = tool.oneshot()
        if argv is None:
            results.explain(("oneshot", None), tool.name, tool.no_oneshot)
        else:
            sample(results, ("oneshot", None), tool, lambda tool=tool, argv=argv: measure.oneshot(tool, argv))
        if isinstance(tool, Agentsh):  # where its cold one-shot's time goes: litellm's import
            results.add(("litellm", None), tool.name, measure.import_time(tool, "litellm"))


def warm_figures(agentsh: Agentsh, results: Results, runs: int) -> None:
    if not agentsh.has_service():
        results.explain(("warm", None), agentsh.name, "n/a (no service in this build)")
        return
    service = agentsh.serve()
    try:
        agentsh.wait_for_service(service)
        measure.oneshot(agentsh, agentsh.oneshot())  # the service's first turn imports litellm: not a warm run
        for _ in range(runs):
            sample(results, ("warm", None), agentsh, lambda: measure.oneshot(agentsh, agentsh.oneshot()))
    finally:
        service.terminate()
        service.wait(10)


def stream_round(tools: list[Tool], results: Results, server: PeerServer) -> None:
    for tool in live(tools):
        for mode in tool.modes():
            if results.cells.get(("stream", mode.kind, tool.name)) == [math.inf]:
                continue  # it did not finish drawing the first time: another run would say nothing new
            sample(results, ("stream", mode.kind), tool, lambda tool=tool, mode=mode: measure.streaming(tool, mode, server))


def live(tools: list[Tool]) -> list[Tool]:
    return [tool for tool in tools if not tool.skipped]


def explain_gaps(tools: list[Tool], results: Results) -> None:
    """n/a where a tool has no such mode or command, 'skipped' where it was not measured at all."""
    for tool in tools:
        kinds = {mode.kind for mode in tool.modes()} if not tool.skipped else set()
        for key in ("ready", "rss", "resume_ready", "resume_rss", "stream"):
            for kind in (FULL_SCREEN, LINE):
                results.explain((key, kind), tool.name, "skipped" if tool.skipped else ("n/a" if kind not in kinds else "—"))
        if tool.skipped:  # why, once, in the table's first row
            results.cells[("ready", FULL_SCREEN, tool.name)] = f"skipped ({tool.skipped})"
        for key in ("oneshot", "litellm", "warm"):
            results.explain((key, None), tool.name, "skipped" if tool.skipped else "n/a")


def document(results: Results, tools: list[Tool], versions: dict[str, str], runs: int, seconds: float) -> str:
    notes = [f"- **{tool.name}** {versions[tool.name]}: {tool.setup}" for tool in tools]
    return "\n".join([
        "# agentsh beside its peers",
        "",
        f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC} by `python benchmarks/peers.py` "
        f"({runs} runs per figure, streaming fewer; {seconds / 60:.1f} min).",
        "",
        f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[1]:.1f} over the last 5 minutes of the run "
        f"({platform.machine()}, Python {platform.python_version()}). "
        "Absolute figures move with the load; the ratios within this one run are what count: "
        "the tools ran in turn, run by run, so each saw the same machine.",
        "",
        "Medians; lower is better in every row. n/a: the tool has no such mode or command; skipped: not installed.",
        f"> {measure.SCREEN_TIMEOUT:.0f} s: the answer's last token was not on screen that long after the server's last byte; "
        f"> {measure.READY_TIMEOUT:.0f} s: no prompt that long after launch (not retried when it happened the first time).",
        "Ready = from launch in a 120x40 tmux terminal until the screen shows the tool's prompt ready for input;",
        f"RSS = the tool's whole process tree, {measure.SETTLE} s after that; one-shot = from launch to exit, answer printed.",
        "",
        table(results),
        "",
        "Versions, and what each tool needed to talk to the fake server (tests/fakeserver.py, paced):",
        "",
        *notes,
        "",
        "Every tool ran with a temp HOME and XDG directories, HTTP(S)_PROXY and ALL_PROXY at a closed local port with "
        "NO_PROXY=127.0.0.1 (no network beyond 127.0.0.1: aider's price-table fetch and oterm's version check fail at once), "
        "DO_NOT_TRACK=1 and LITELLM_LOCAL_MODEL_COST_MAP=True.",
        "",
    ])


def dry_run(tools: list[Tool]) -> None:
    for tool in tools:
        print(f"{tool.name}: {'skipped: ' + tool.skipped if tool.skipped else ''}")
        if not tool.skipped:
            for mode in tool.modes():
                print(f"  {mode.kind}: {' '.join(mode.argv)}")
            print(f"  one-shot: {' '.join(tool.oneshot() or ['n/a'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--stream-runs", type=int, default=2, help="runs of the 10-second streaming figure (default 2)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; install and measure nothing")
    parser.add_argument("--no-write", action="store_true", help=f"print the table only, leave {OUTPUT.name} as it is")
    args = parser.parse_args()
    missing = {} if args.dry_run else install_all()
    started = time.perf_counter()
    with PeerServer() as server, tempfile.TemporaryDirectory(prefix="agentsh-peers-") as work:
        tools = make_tools(Path(work), server, missing)
        if args.dry_run:
            dry_run(tools)
            return 0
        compile_agentsh()
        versions = prepared(tools)
        results = Results([tool.name for tool in tools])
        run_all(tools, results, server, args)
        explain_gaps(tools, results)
    text = document(results, tools, versions, args.runs, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        OUTPUT.write_text(text)
    return 0


def run_all(tools: list[Tool], results: Results, server: PeerServer, args: argparse.Namespace) -> None:
    step("warm-up (not recorded)", lambda: ready_round(tools, Results([]), False, record=False))
    for run in range(args.runs):
        step(f"run {run + 1}/{args.runs}: ready prompts", lambda: ready_round(tools, results, False))
        step(f"run {run + 1}/{args.runs}: one-shot", lambda: oneshot_round(tools, results))
        step(f"run {run + 1}/{args.runs}: 200-turn resume", lambda: ready_round(tools, results, True))
    assert isinstance(tools[0], Agentsh)
    step("warm one-shot (agentsh's service)", lambda: warm_figures(tools[0], results, args.runs))
    for run in range(args.stream_runs):
        step(f"run {run + 1}/{args.stream_runs}: streaming", lambda: stream_round(tools, results, server))


def step(title: str, action: Callable[[], None]) -> None:
    started = time.perf_counter()
    action()
    print(f"peers: {title}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
