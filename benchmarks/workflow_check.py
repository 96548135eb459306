"""The workflow checker on a 200-node workflow: target ≤ 50 ms (p95). Beside it, for reference, the
whole load: the file read, parsed by tomllib (pure Python: most of that time), indexed for lines, checked.
Each node is an agent whose prompt reads two earlier nodes' structured fields and whose `when`
compares one of them, so references, types and conditions are all checked.

    python benchmarks/workflow_check.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Figure, median, p95, time_calls

NODES = 200
TARGET_MS = 50.0
OUTPUT = 'output = { type = "object", properties = { score = { type = "number" }, label = { type = "string", enum = ["a", "b"] } } }'


def workflow_text() -> str:
    lines = ['description = "a wide, deep workflow"', "[inputs.goal]", ""]
    for index in range(NODES):
        lines += [f"[nodes.n{index}]", 'kind = "agent"', 'agent = "assistant"']
        if index >= 2:
            lines += [f'prompt = "{{n{index - 1}.score}} and {{n{index - 2}.label}} for {{inputs.goal}}"',
                      f"when = \"n{index - 1}.score > 0.5 and n{index - 2}.label == 'a'\""]
        else:
            lines.append('prompt = "start from {inputs.goal}"')
        lines += [OUTPUT, ""]
    return "\n".join(lines)


def figures(quick: bool = False) -> list[Figure]:
    from agentsh.workflows.checker import Known, check
    from agentsh.workflows.loader import parse_workflow

    text = workflow_text()
    repeat = 10 if quick else 50
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.toml"
        path.write_text(text)
        known = Known(profiles={"assistant"})
        workflow = parse_workflow("big", path, text)

        def checked() -> None:
            assert check(workflow, known) == []

        def loaded_and_checked() -> None:
            assert check(parse_workflow("big", path, path.read_text()), known) == []

        alone, whole = time_calls(checked, repeat), time_calls(loaded_and_checked, repeat)
    return [
        Figure(f"workflow checker: {NODES} nodes, p95", p95(alone), None, f"≤ {TARGET_MS:g} ms", met=p95(alone) <= TARGET_MS),
        Figure(f"workflow file read + parsed (tomllib) + checked: {NODES} nodes, median", median(whole), None, "(for reference)"),
    ]


if __name__ == "__main__":
    for figure in figures(quick="--quick" in sys.argv):
        print(figure.row())
