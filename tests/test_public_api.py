"""`from agentsh import Session` works at run time (lazily) and for mypy (under TYPE_CHECKING): both lists agree."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import agentsh

INIT = Path(agentsh.__file__)


def type_checking_imports() -> dict[str, str]:
    """name -> module of every import under `if TYPE_CHECKING:` in agentsh/__init__.py."""
    found: dict[str, str] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.level == 1
                found.update({alias.name: f"agentsh.{statement.module}" for alias in statement.names})
    return found


def test_all_names_exactly_the_lazy_exports_and_the_version():
    assert sorted(agentsh.__all__) == sorted([*agentsh._EXPORTS, "__version__"])


def test_type_checkers_see_the_same_names_from_the_same_modules():
    assert type_checking_imports() == agentsh._EXPORTS


def test_every_public_name_is_the_object_its_module_defines():
    for name, module in agentsh._EXPORTS.items():
        assert getattr(agentsh, name) is getattr(import_module(module), name)


def test_importing_agentsh_imports_none_of_the_api_until_it_is_used():
    code = "import sys, agentsh; print(sorted(m for m in sys.modules if m.startswith('agentsh')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "['agentsh']"
