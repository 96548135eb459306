"""First paint of the TUI with five configured stdio MCP servers, against the same with none.

Servers start in the background after the first paint, so five of them must not delay it: target
≤ 1.05× (README "MCP"). Measured on the real `agentsh` console script in tmux (bench_tui.Pane), from
launch until the prompt is on screen, interleaved runs, the median of each.

    python benchmarks/mcp_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from bench_tui import AGENTSH, compile_package, timed

from harness import Figure, median, table

TIME_SERVER = Path(sys.executable).with_name("mcp-server-time")
PROMPT = "Message agentsh"


def config(path: Path, servers: int) -> Path:
    path.write_text("".join(f"[mcp_servers.time{i}]\ncommand = {json.dumps(str(TIME_SERVER))}\n" for i in range(servers)))
    return path


def figures(quick: bool = False, repeat: int | None = None) -> list[Figure]:
    compile_package()
    repeat = repeat or (3 if quick else 9)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        none, five = config(work / "none.toml", 0), config(work / "five.toml", 5)
        bare, loaded = [], []
        for run in range(repeat):
            for path, samples in ((none, bare), (five, loaded)):
                command = f"cd {work} && AGENTSH_CONFIG={path} exec {AGENTSH} --home {work / f'home{run}'} --model offline"
                samples.append(timed(command, PROMPT))
    measured, floor = median(loaded), median(bare)
    return [Figure("first paint, 5 stdio MCP servers (none: floor)", measured, floor, "≤ 1.05×", met=measured <= 1.05 * floor)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(table(figures(repeat=args.repeat)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
