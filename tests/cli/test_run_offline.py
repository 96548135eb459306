"""`agentsh run` as a user runs it: a subprocess, the offline model, a temporary data home."""

from __future__ import annotations

import base64
import json
import random
import subprocess
import sys
import textwrap
import time

import pytest

ADD_PROMPT = "use the calculator to add 17 and 25"


@pytest.fixture
def agentsh(home, tmp_path):
    """Run `python -m agentsh run ...` in a temporary directory with `--home home`."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()

    def run(*args: str, stdin: str | None = None, home_flag: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "agentsh", "run", *args, *(["--home", str(home)] if home_flag else [])]
        return subprocess.run(
            command,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            cwd=workdir,
            timeout=timeout,
        )

    return run


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# answers ---------------------------------------------------------------------------


def test_calculator_answer_on_stdout(agentsh):
    result = agentsh("--model", "offline", ADD_PROMPT)
    assert result.returncode == 0, result.stderr
    assert "42" in result.stdout
    assert "calculator" in result.stderr  # tool activity goes to stderr, not into the answer
    assert "Traceback" not in result.stderr


def test_json_lines_in_order(agentsh):
    result = agentsh("--model", "offline", "--json", ADD_PROMPT)
    assert result.returncode == 0, result.stderr
    events = json_lines(result)
    types = [e["type"] for e in events]
    wanted = [t for t in types if t in ("session", "tool_call", "tool_result", "text", "done")]
    first_text = wanted.index("text")
    assert wanted[:first_text] == ["session", "tool_call", "tool_result"]
    assert set(wanted[first_text:-1]) == {"text"}
    assert wanted[-1] == "done" and types[-1] == "done"

    session = events[0]
    assert session["type"] == "session"
    assert session["session_id"] and session["mode"] == "tools" and session["model"] == "offline"
    call = next(e for e in events if e["type"] == "tool_call")
    assert call["name"] == "calculator" and call["arguments"] == {"expression": "17 + 25"}
    tool_result = next(e for e in events if e["type"] == "tool_result")
    assert tool_result["ok"] is True and tool_result["output"] == "42"
    done = events[-1]
    assert done["session_id"] == session["session_id"]
    assert "42" in done["output"]
    assert done["usage"]["total_tokens"] > 0
    assert done["cost"] == 0.0
    assert "".join(e["delta"] for e in events if e["type"] == "text") == done["output"]


# where the prompt comes from --------------------------------------------------------


@pytest.mark.parametrize("args", [["-"], []])
def test_prompt_from_stdin(agentsh, args):
    result = agentsh("--model", "offline", *args, stdin="what is the capital of France?\n")
    assert result.returncode == 0, result.stderr
    assert "offline" in result.stdout
    assert "what is the capital of France?" in result.stdout


def test_piped_stdin_with_a_prompt_is_added_as_context(agentsh):
    result = agentsh("--model", "offline", "summarise this", stdin="line one\nline two\n")
    assert result.returncode == 0, result.stderr
    assert "summarise this" in result.stdout
    assert "line one" in result.stdout and "line two" in result.stdout


def test_a_prompt_of_megabytes_on_stdin_is_stored_and_answered_whole(agentsh, home):
    from agentsh.store.db import DB_FILENAME, open_database
    from agentsh.store.sessions import SessionStore

    lines = [base64.b64encode(random.Random(n).randbytes(57)).decode() for n in range(24_000)]
    prompt = "\n".join(lines) + "\n"  # 1.9 MB of base64 lines, as `base64 < file` writes them
    result = agentsh("--model", "offline", "--json", stdin=prompt, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    session_id = json_lines(result)[0]["session_id"]
    assert lines[0][:60] in json_lines(result)[-1]["output"]  # the offline model echoes the start of its first line
    store = SessionStore(open_database(home / DB_FILENAME))
    assert store.messages(session_id)[0].content == prompt
    assert "search finds words in its first 1,000,000" in result.stdout  # the notice, as a JSON event


@pytest.mark.parametrize(("args", "stdin"), [(["   "], ""), ([], ""), (["-"], "  \n\n")])
def test_empty_prompt_is_a_usage_error(agentsh, args, stdin):
    result = agentsh("--model", "offline", *args, stdin=stdin)
    assert result.returncode == 2
    assert "prompt" in one_line(result.stderr)
    assert result.stdout == ""


# sessions -----------------------------------------------------------------------------


def test_session_flag_continues_a_session(agentsh):
    first = json_lines(agentsh("--model", "offline", "--json", "my name is Ada"))
    session_id = first[0]["session_id"]

    second = agentsh("--model", "offline", "--json", "--session", session_id, "what is my name?")
    assert second.returncode == 0, second.stderr
    events = json_lines(second)
    assert events[0]["session_id"] == session_id
    assert events[-1]["session_id"] == session_id

    by_prefix = json_lines(agentsh("--model", "offline", "--json", "-s", session_id[:6], "again"))
    assert by_prefix[0]["session_id"] == session_id


def test_continue_latest(agentsh):
    agentsh("--model", "offline", "first session")
    latest = json_lines(agentsh("--model", "offline", "--json", "second session"))[0]["session_id"]

    result = agentsh("--model", "offline", "--json", "-c", "carry on")
    assert result.returncode == 0, result.stderr
    assert json_lines(result)[0]["session_id"] == latest


def test_continue_with_no_earlier_session_is_one_clear_line(agentsh):
    result = agentsh("--model", "offline", "-c", "carry on")
    assert result.returncode == 1
    assert "no earlier session" in one_line(result.stderr)


def test_unknown_session_is_one_clear_line(agentsh):
    result = agentsh("--model", "offline", "--session", "doesnotexist", "hello")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("agentsh: ")
    assert "doesnotexist" in line


def test_unknown_mode_is_a_usage_error(agentsh):
    result = agentsh("--model", "offline", "--mode", "telepathy", "hello")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "telepathy" in line and "tools" in line  # names the valid modes


# defaults and robustness ---------------------------------------------------------------


def test_no_model_and_no_key_uses_the_offline_model_and_says_so(agentsh):
    result = agentsh("hello there")
    assert result.returncode == 0, result.stderr
    assert "offline" in result.stdout
    assert "offline model" in result.stderr
    assert "no model configured" in result.stderr


def test_a_hung_sync_tool_times_out_and_does_not_keep_agentsh_running(agentsh, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "hang.py").write_text(
        textwrap.dedent(
            '''
            import time
            from agentsh import tool

            @tool(timeout=0.5)
            def hang() -> str:
                """Never returns in time."""
                time.sleep(60)
                return "too late"
            '''
        )
    )
    started = time.monotonic()
    result = agentsh("--model", "offline", "--plugins", str(plugins), "--json", "please call the hang tool", timeout=20)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    tool_result = next(e for e in json_lines(result) if e["type"] == "tool_result")
    assert tool_result["ok"] is False and "timed out" in tool_result["output"]
    assert elapsed < 15


def test_help_does_not_import_litellm_pydantic_or_a_ui_toolkit(tmp_path):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "agentsh", "--help"],
        capture_output=True, text=True, cwd=tmp_path, timeout=30,
    )
    assert result.returncode == 0
    assert "usage: agentsh" in result.stdout
    imported = result.stderr
    for heavy in ("litellm", "pydantic", "textual", "prompt_toolkit"):
        assert heavy not in imported


def test_a_bad_flag_value_is_a_usage_error_naming_the_flag(agentsh):
    result = agentsh("--model", "offline", "--max-steps", "0", "hello")
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "--max-steps" in line
    assert "config" not in line  # the flag is wrong, not the config file


def test_stdout_closed_by_the_reader_is_not_a_traceback(home, tmp_path):
    command = [sys.executable, "-m", "agentsh", "run", "--home", str(home), "--model", "offline", "--json", ADD_PROMPT]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, text=True
    )
    process.stdout.close()  # like `| head -0`: the reader is gone before the first line
    _, stderr = process.communicate(timeout=30)

    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert process.returncode == 141
