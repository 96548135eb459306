"""A tool may not write a workspace's workflow folder: its .py files are plugins the next session would import."""

from __future__ import annotations

from agentsh.models.scripted import ScriptedModel
from agentsh.tools.context import is_protected, using

from helpers import scripted_session


def test_the_workspace_workflow_folder_is_protected_even_before_it_exists(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = scripted_session(home, ScriptedModel())

    with using(session.tool_context):
        assert is_protected(tmp_path / ".agentsh" / "workflows" / "steps.py")
        assert not is_protected(tmp_path / "notes.md")
