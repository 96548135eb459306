"""Case 24: the user's credentials reach no stored, exported or printed text, in any common form.

The environment holds an OpenAI key, a GitHub personal access token (`GITHUB_PAT`), a Vertex AI
service-account JSON (`VERTEXAI_CREDENTIALS`) and a database URL with a password. The model
quotes two of them in its answer, and runs `env | base64`, `printenv OPENAI_API_KEY | rev`, a hex
dump, a URL-encoding and `echo $DATABASE_URL`; the provider then rejects a request with a 400
whose body carries the key right where the error message is cut (character 300). Afterwards the
database (with its WAL), both exports, and what `agentsh` printed hold none of the secrets: not
as they are, reversed, in hex, URL-encoded, nor inside base64 at any alignment (decoded here, by
the test, with the standard library).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
import secrets
from pathlib import Path
from urllib.parse import quote

from reliability_support import MODEL

from agentsh.events import Error, ToolResult, TurnDone
from agentsh.secrets import redact_secrets

from fakeserver import Reply

KEY = f"sk-live-{secrets.token_hex(20)}"
PAT = f"ghp_{secrets.token_hex(18)}"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(secrets.token_urlsafe(48) for _ in range(3)) + "\n-----END PRIVATE KEY-----\n"
VERTEX = json.dumps({"type": "service_account", "project_id": "demo-project", "private_key": PRIVATE_KEY, "client_email": "bot@demo.iam"})
DB_PASSWORD = f"pw-{secrets.token_hex(6)}"
DATABASE_URL = f"postgresql://app:{DB_PASSWORD}@db.internal:5432/app"
OFFSETS = range(200, 300, 7)
SECRETS = [KEY, PAT, DB_PASSWORD, *PRIVATE_KEY.splitlines()[1:-1]]

COMMANDS = [
    "env | base64",
    "printenv OPENAI_API_KEY | rev",
    "printenv GITHUB_PAT | od -An -tx1 -v | tr -d ' \\n'; echo",
    "printenv GITHUB_PAT | xxd -p",
    "python3 -c \"import os, urllib.parse; print(urllib.parse.quote(os.environ['DATABASE_URL'], safe=''))\"",
    "echo $DATABASE_URL; printenv VERTEXAI_CREDENTIALS",
    "printf 'xy%s' \"$OPENAI_API_KEY\" | base64 -w0; echo",
]


def the_environment(monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("GITHUB_PAT", PAT)
    monkeypatch.setenv("VERTEXAI_CREDENTIALS", VERTEX)
    monkeypatch.setenv("DATABASE_URL", DATABASE_URL)


def base64_decodings(text: str) -> bytes:
    """Every run of base64 in `text` (joined over line breaks), decoded at each of the 4 character offsets."""
    decoded = b""
    for run in re.findall(r"[A-Za-z0-9+/=_\n-]{16,}", text):
        joined = run.replace("\n", "").rstrip("=")
        for start in range(4):
            part = joined[start:]
            part = part[: len(part) // 4 * 4]
            for alphabet in (base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    decoded += b"\0" + alphabet(part)
    return decoded


def leaks(text: str) -> list[str]:
    """Which secrets `text` shows, in which form."""
    found = []
    decoded = base64_decodings(text)
    lower = text.lower()
    for secret in SECRETS:
        middle = secret[2:-2]  # a form cut at either end still shows the middle
        forms = {"as is": middle, "reversed": middle[::-1], "hex": middle.encode().hex(), "url-encoded": quote(middle, safe="")}
        found += [f"{secret[:6]}… {name}" for name, form in forms.items() if form.lower() in lower]
        if middle.encode() in decoded:
            found.append(f"{secret[:6]}… in base64")
    return found


async def first_session(session) -> tuple[list, list[str]]:
    """The hostile turn, then three turns the provider rejects; returns the first turn's events and the errors."""
    events = [e async for e in session.send("check my environment")]
    errors = []
    for _ in OFFSETS:
        errors += [e.message for e in [e async for e in session.send("again")] if isinstance(e, Error)]
    await session.aclose()
    return events, errors


def test_case24_nothing_stored_exported_or_printed_shows_a_secret(llm_session, server, monkeypatch, home, cli):
    the_environment(monkeypatch)
    calls = [{"id": f"c{n}", "name": "run_shell", "arguments": {"command": command}} for n, command in enumerate(COMMANDS)]
    server.enqueue(Reply(tool_calls=calls), Reply(text=f"Your key is {KEY} and your token is {PAT}.", chunk_size=7))
    for offset in OFFSETS:  # the key straddles the 300-character cut of the error message, somewhere
        server.enqueue(Reply(status=400, error_message="bad request " + "x" * offset + KEY + " trailing words"))
    session = llm_session(approval="auto", retries=0, memory={"consolidate": False})
    events, errors = asyncio.run(first_session(session))
    results = [e for e in events if isinstance(e, ToolResult)]
    assert len(results) == len(COMMANDS) and all(r.ok for r in results), [r.output for r in results]
    assert leaks("\n".join(errors)) == [], errors
    assert len(errors) == len(OFFSETS) and all("refused the request" in message for message in errors), errors
    assert [done.output for done in events if isinstance(done, TurnDone)] == [f"Your key is {KEY} and your token is {PAT}."]

    server.enqueue(Reply(text=f"Once more: {KEY}", chunk_size=5), Reply(status=401, error_message=f"Incorrect API key provided: {KEY}"))
    status, out, err = cli("run", "--home", str(home), "-s", session.id, "--model", MODEL, "say it again")
    assert status == 0 and out == "Once more: ***\n", (out, err)
    printed = [out, err]
    status, out, err = cli("run", "--home", str(home), "-s", session.id, "--model", MODEL, "--json", "and again")
    assert status == 1 and "***" in err
    printed += [out, err]
    for form in ("md", "json"):
        status, out, err = cli("sessions", "--home", str(home), "export", session.id, "-f", form)
        assert status == 0, err
        printed.append(out)
    status, out, err = cli("sessions", "--home", str(home), "show", session.id)
    printed += [out, err]
    stored = b"".join(path.read_bytes() for path in Path(home).iterdir() if path.is_file()).decode("utf-8", "replace")

    for where, text in {"tool results": "\n".join(r.output for r in results), "errors": "\n".join(errors),
                        "store": stored, "exports and printing": "\n".join(printed)}.items():
        assert leaks(text) == [], f"{where}: {leaks(text)}"


def test_case24_every_credential_like_variable_is_covered(monkeypatch):
    values = {
        "VERTEXAI_CREDENTIALS": "vertex-credential-value", "GITHUB_PAT": "github-pat-value", "MY_AUTH": "basic-auth-value",
        "SMTP_PASSWD": "smtp-passwd-value", "HF_TOKEN": "hf-token-value", "AWS_SECRET_ACCESS_KEY": "aws-secret-value",
        "PGPASSWORD": "pg-password-value", "NPM_CONFIG_AUTH": "npm-auth-value",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SOME_SERVICE", "https://user:url-pass-123@example.com/x")
    text = " ".join(values.values()) + " url-pass-123"
    assert redact_secrets(text) == " ".join(["***"] * (len(values) + 1))
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Ada Lovelace")
    assert redact_secrets("/usr/local/bin:/usr/bin Ada Lovelace") == "/usr/local/bin:/usr/bin Ada Lovelace"
