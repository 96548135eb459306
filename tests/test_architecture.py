"""The house plan (ARCHITECTURE.md): which room of agentsh may import which, and no cycles.

A room is a sub-package (`agentsh/tools/`) or a top-level module (`agentsh/session.py`).
Every import counts, wherever it is written: at the top, inside a function, under
TYPE_CHECKING. An import of a room by a room is an edge; the graph must have no cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "agentsh"

# agentsh/__init__.py: the version and the public API, imported lazily (and under TYPE_CHECKING,
# for type checkers) from the rooms below the front doors; so only a front door may import it.
ROOT = "agentsh"
BASE = {"collection", "costs", "errors", "events", "forms", "markdown", "messages", "profiles", "secrets", "signals", "terminal", "text"}
LOW = {"config", "models", "store", "tools"}  # import only the base
FRONT_DOORS = {"cli", "repl", "service", "tui"}  # nothing below them imports them
MIDDLE = {  # between the two
    "agent", "commands", "custom_commands", "instructions", "mcp", "memory", "mentions", "modes", "plugin_loader", "remote_agents", "session",
    "compare", "session_policy", "session_replay", "session_rewind", "shell_escape", "stats", "trace", "workflows",
}
# The front doors that may import another: `agentsh` with no command opens the REPL or the TUI; `agentsh serve` the service.
FRONT_DOOR_EDGES = {("cli", "repl"), ("cli", "service"), ("cli", "tui"), ("__main__", "cli")}

Graph = dict[str, dict[str, set[str]]]  # room -> imported room -> the files that import it


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, package_dir: Path) -> set[str]:
    """Every module `path` imports, as absolute dotted names (`from . import x` gives `pkg.x`)."""
    module = module_name(path, package_dir)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)  # a name may be a submodule
    return found


def room_of(module: str, package: Path) -> str | None:
    """`agentsh.tools.executor` -> `tools`; `agentsh` -> the root; None outside agentsh or for a
    name that is not a module (`agentsh.__version__`, `agentsh.errors.UsageError` stay in their rooms)."""
    parts = module.split(".")
    if parts[0] != ROOT:
        return None
    if len(parts) == 1:
        return ROOT
    head = package / parts[1]
    return parts[1] if head.is_dir() or head.with_suffix(".py").is_file() else ROOT


def import_graph(package: Path = PACKAGE) -> Graph:
    graph: Graph = defaultdict(lambda: defaultdict(set))
    for path in sorted(package.rglob("*.py")):
        room = room_of(module_name(path, package), package)
        assert room is not None
        for module in imported_modules(path, package):
            target = room_of(module, package)
            if target is not None and target != room:
                graph[room][target].add(str(path.relative_to(package.parent)))
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle as a path of rooms (first room repeated at the end), or None."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(room: str) -> list[str] | None:
        state[room] = "open"
        trail.append(room)
        for target in sorted(graph.get(room, {})):
            if state.get(target) == "open":
                return [*trail[trail.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[room] = "done"
        trail.pop()
        return None

    for room in sorted(graph):
        if room not in state and (cycle := visit(room)):
            return cycle
    return None


def describe(graph: Graph, edges: list[tuple[str, str]]) -> str:
    return "\n".join(f"  {a} -> {b}: {', '.join(sorted(graph[a][b]))}" for a, b in edges)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph()


def test_the_rooms_import_each_other_without_a_cycle(graph):
    cycle = find_cycle(graph)
    assert cycle is None, "package cycle: " + " -> ".join(cycle) + "\n" + describe(graph, list(pairwise(cycle)))


def test_nothing_below_the_front_doors_imports_them(graph):
    wrong = [(a, b) for a in graph for b in graph[a] if b in FRONT_DOORS and (a, b) not in FRONT_DOOR_EDGES]
    assert not wrong, "imports of a front door (cli, repl, tui) from below it:\n" + describe(graph, wrong)


@pytest.mark.parametrize("room", sorted(LOW))
def test_the_low_rooms_import_only_the_base(graph, room):
    wrong = [(room, b) for b in graph.get(room, {}) if b not in BASE]
    assert not wrong, f"{room} may import only {sorted(BASE)}:\n" + describe(graph, wrong)


@pytest.mark.parametrize("room", sorted(BASE))
def test_the_base_imports_only_the_base(graph, room):
    wrong = [(room, b) for b in graph.get(room, {}) if b not in BASE]
    assert not wrong, f"{room} is a base module and may import only {sorted(BASE)}:\n" + describe(graph, wrong)


def test_only_a_front_door_imports_the_root(graph):
    wrong = [(a, ROOT) for a in graph if ROOT in graph[a] and a not in FRONT_DOORS | {"__main__"}]
    assert not wrong, "the root re-exports the public API: only cli, repl and tui may import it:\n" + describe(graph, wrong)


def test_every_room_is_named_in_the_plan():
    """A new room must be placed: a base module, a low room, a front door, or in between (MIDDLE)."""
    rooms = {room_of(module_name(path, PACKAGE), PACKAGE) for path in PACKAGE.rglob("*.py")}
    unplaced = rooms - {ROOT} - BASE - LOW - FRONT_DOORS - MIDDLE - {"__main__"}
    assert not unplaced, f"rooms missing from tests/test_architecture.py and ARCHITECTURE.md: {sorted(unplaced)}"


def test_the_checker_sees_a_cycle(tmp_path):
    """The rules above are only as good as the graph: a planted cycle, in a function and under
    TYPE_CHECKING, must be found."""
    package = tmp_path / "agentsh"
    (package / "tools").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "tools" / "__init__.py").write_text("")
    (package / "tools" / "executor.py").write_text("def run():\n    from ..session import Session\n")
    (package / "session.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from agentsh.tools import executor\n"
    )
    assert find_cycle(import_graph(package)) == ["session", "tools", "session"]


# The seam: a UI asks its Session (agentsh/session.py, session_policy.py) and never reaches into
# the session's parts, so the session policy (switching sessions, listings, memory) is written once.
UI_ROOMS = ("cli", "repl", "tui")
SESSION_PARTS = {"store", "loader", "memory", "registry"}


def session_part_accesses(source: str, filename: str = "<source>") -> list[str]:
    """`session.store`, `self.session.loader`, `app.session.memory.on_event = …`: a part reached through
    any expression whose text ends with `session`, as `file:line: text`."""
    reached = [
        node for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Attribute) and node.attr in SESSION_PARTS and ast.unparse(node.value).endswith("session")
    ]
    return [f"{filename}:{node.lineno}: {ast.unparse(node)}" for node in sorted(reached, key=lambda n: (n.lineno, n.col_offset))]


def test_the_uis_reach_a_session_only_through_its_operations():
    """`tui/`, `repl/`, `cli/` and the slash commands ask the session; its parts are the core's business."""
    paths = sorted([*(path for room in UI_ROOMS for path in (PACKAGE / room).rglob("*.py")), PACKAGE / "commands.py"])
    wrong = [hit for path in paths for hit in session_part_accesses(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))]
    assert not wrong, "a UI reaches into its Session; add an operation to agentsh/session_policy.py instead:\n  " + "\n  ".join(wrong)


def test_the_seam_checker_sees_a_reach_through():
    source = "def f(app, session):\n    app.session.memory.on_event = print\n    return session.store.list(5), session.registry\n"
    assert [hit.split(": ", 1)[1] for hit in session_part_accesses(source)] == [
        "app.session.memory", "session.store", "session.registry",
    ]
