"""The exception tree: every class is documented, drawn in the module docstring, and nothing else is one."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import agentsh.errors as errors


def tree_classes() -> list[type]:
    return [value for value in vars(errors).values() if inspect.isclass(value) and issubclass(value, errors.AgentshError)]


def test_every_class_of_the_tree_has_its_own_docstring_and_is_drawn():
    for cls in tree_classes():
        assert cls.__doc__ and cls.__doc__ != cls.__mro__[1].__doc__, f"{cls.__name__} needs a docstring"
        assert f" {cls.__name__} " in errors.__doc__, f"{cls.__name__} is missing from the tree in errors.py"
        assert cls.__name__ in errors.__all__


def test_no_error_class_a_user_can_meet_is_defined_outside_errors_py():
    package = Path(errors.__file__).parent
    names = {cls.__name__ for cls in tree_classes()}
    outside = [
        f"{path.relative_to(package)}: {node.name}"
        for path in package.rglob("*.py") if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(_base_name(base) in names for base in node.bases)
    ]
    assert outside == []


def _base_name(base: ast.expr) -> str:
    return base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
