"""mypy and ruff, as configured in pyproject.toml, pass on the checkout.

Both run from the repository root in a subprocess, the way a developer runs them, and a failure
shows their report. A cold mypy run takes ~40 s; its cache (.mypy_cache/) makes the next a few seconds.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the test extra: pip install -c tests/constraints.txt -e '.[test]')")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_mypy_finds_no_type_errors():
    result = run_tool("mypy")
    assert result.returncode == 0, f"`python -m mypy` failed:\n{result.stdout}{result.stderr}"


def test_ruff_finds_no_lint_errors():
    result = run_tool("ruff", "check", ".")
    assert result.returncode == 0, f"`python -m ruff check .` failed:\n{result.stdout}{result.stderr}"
