"""Case 2: a 401 or a 400 is never retried; it is one clear message naming the provider and the
setting to fix, and the session stays usable (the next turn, in this process or a new one, works).
"""

from __future__ import annotations

import json

import pytest
from reliability_support import MODEL, agentsh_env

from agentsh.events import Error, Notice

from fakeserver import Reply
from helpers import of, send

FAILURES = {
    "401": (Reply(status=401, error_message="Incorrect API key provided."), "ModelAuthError", "OPENAI_API_KEY"),
    "400": (Reply(status=400, error_message="Invalid value for 'temperature'."), "ModelRequestError", "Invalid value for 'temperature'"),
}


@pytest.mark.parametrize("status", FAILURES)
async def test_case02_not_retried_one_clear_error_and_the_session_goes_on(llm_session, server, status):
    reply, kind, names = FAILURES[status]
    server.enqueue(reply, Reply(text="never sent: the error is not retried"))
    session = llm_session(retries=3)

    events = await send(session, "first question")

    assert server.hits == 1, "not retried"
    assert [n for n in of(events, Notice) if "Retrying" in n.message] == []
    [error] = of(events, Error)
    assert error.kind == kind
    assert "\n" not in error.message and "Traceback" not in error.message
    assert error.message.startswith(f"openai ({MODEL})"), "names the provider and the model setting"
    assert names in error.message
    assert events[-1].failed

    server.clear()
    server.enqueue(Reply(text="second answer"))
    events = await send(session, "second question")
    assert not events[-1].failed and events[-1].output == "second answer"
    sent = [m["content"] for m in server.last_body["messages"] if m["role"] == "user"]
    # The failed turn's question is kept; with no answer between them the two questions go as one user
    # message, so that the roles still alternate (strict chat templates refuse user, user).
    assert sent == ["first question\n\nsecond question"], "the failed turn's question is kept"


def test_case02_cli_rejected_key_is_one_line_and_the_session_resumes(agentsh, cli, server, home):
    server.enqueue(Reply(status=401, error_message="Incorrect API key provided."), Reply(text="never sent"))
    env = agentsh_env(server)
    failed = agentsh("run", "--model", MODEL, "--home", str(home), "--json", "hello", env=env)
    assert failed.returncode == 1
    stderr = failed.stderr.decode()
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert "OPENAI_API_KEY" in stderr and "openai" in stderr
    assert server.hits == 1
    session_id = json.loads(failed.stdout.splitlines()[0])["session_id"]

    server.clear()
    server.enqueue(Reply(text="fixed"))
    status, out, err = cli("run", "--home", str(home), "-s", session_id, "hello again")
    assert status == 0, err
    assert out.strip() == "fixed"
