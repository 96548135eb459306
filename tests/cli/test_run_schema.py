"""`agentsh run --schema`: the answer of every mode as a validated JSON instance, alone on stdout; on the fake server."""

from __future__ import annotations

import json

import pytest

from agentsh.cli import main as cli_main
from agentsh.modes import mode_names

from fakeserver import Reply
from helpers import following_schemas, requested_schema

MODEL = "openai/fake-model"
SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}, "unit": {"type": "string"}}, "required": ["answer", "unit"]}
ANSWER = Reply(text="Final Answer: the answer is 42")
CALCULATE = Reply(tool_calls=[{"name": "calculator", "arguments": {"expression": "6*7"}}])
MODES = [name for name in mode_names()]


def is_answer_schema(body: dict) -> bool:
    schema = requested_schema(body) or {}
    return set(schema.get("properties", {})) == {"answer", "unit"}


def route(refuse_answer: bool):
    follow = following_schemas("42")

    def reply(body: dict) -> Reply | None:
        if refuse_answer and is_answer_schema(body):
            return Reply(text="I would rather not give JSON.")
        structured = follow(body)
        if structured is not None:
            return structured
        offered = {t["function"]["name"] for t in body.get("tools") or []}
        last = (body.get("messages") or [{}])[-1]
        return CALCULATE if "calculator" in offered and last.get("role") == "user" else None

    return reply


@pytest.fixture
def server(fake_server, monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTSH_CONFIG", str(tmp_path / "config.toml"))
    fake_server.default_reply = ANSWER
    return fake_server


def run(tmp_path, capsys, mode: str, schema: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = cli_main(["run", "--no-stdin", "--home", str(tmp_path / "home"), "--model", MODEL, "--mode", mode,
                       "--schema", schema, "what is 6*7?"])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("mode", MODES)
def test_every_modes_answer_is_an_instance_of_the_schema_alone_on_stdout(mode, server, tmp_path, capsys):
    server.route = route(refuse_answer=False)
    (tmp_path / "answer.json").write_text(json.dumps(SCHEMA))

    status, out, err = run(tmp_path, capsys, mode, str(tmp_path / "answer.json"))

    assert status == 0, err
    instance = json.loads(out)
    assert isinstance(instance["answer"], int) and isinstance(instance["unit"], str)
    assert out.count("\n") == 1
    assert any(is_answer_schema(r["body"]) for r in server.requests if isinstance(r["body"], dict))


@pytest.mark.parametrize("mode", MODES)
def test_no_valid_instance_exits_1_with_one_line_and_nothing_on_stdout(mode, server, tmp_path, capsys):
    server.route = route(refuse_answer=True)

    status, out, err = run(tmp_path, capsys, mode, json.dumps(SCHEMA))

    assert (status, out) == (1, "")
    [line] = [line for line in err.splitlines() if line.startswith("agentsh: error:")]
    assert "no answer matching the --schema could be obtained" in line
    assert "Traceback" not in err


@pytest.mark.parametrize(("schema", "says"), [
    ("{not json", "--schema: not valid JSON"),
    ("missing-file.json", "--schema: cannot read 'missing-file.json'"),
    ('{"type": "tuple"}', "--schema: type must be one of"),
    ('{"type": "object", "properties": 3}', "--schema: properties must be a table"),
    ('{"type": "object", "properties": {"a": {"type": "string", "enum": []}}}', "--schema.a: enum must be a list of one or more"),
    ('{"type": "object", "properties": {"a": "string"}}', '--schema.a: a schema must be a JSON object such as {"type": "string"}'),
    ('{"type": "object", "properties": {"a": {"type": "array", "items": "string"}}}', "--schema.a[]: a schema must be a JSON object"),
    ('{"type": "object", "properties": {"a": {"$ref": "#/x"}}}', "integer, boolean, and it has none"),
    ('{"type": "object", "properties": {"a": {"type": "string"}}, "required": "a"}', '--schema: required must be a list of property names, not "a"'),
    ('{"type": "object", "properties": {"_x": {"type": "string"}}}', "--schema: the field name '_x' is reserved"),
    ('{"type": "object", "properties": {"model_dump": {"type": "string"}}}', "--schema: the field name 'model_dump' is reserved"),
    ('{"type": "object", "properties": {"model_config": {"type": "string"}}}', "--schema: the field name 'model_config' is reserved"),
])
def test_a_bad_schema_is_a_usage_error_before_any_model_call(schema, says, server, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(tmp_path, capsys, "chat", schema)

    assert (status, out) == (2, "")
    assert says in err and err.count("\n") == 1
    assert server.requests == []


@pytest.mark.parametrize(("failure", "mode"), [
    (Reply(status=429, error_message="Rate limit reached for requests", error_type="rate_limit_exceeded"), "chat"),
    (Reply(status=503, error_message="The server is overloaded", error_type="server_error"), "chat"),
    (Reply(status=400, error_message="response_format json_schema is not supported by this model", error_type="invalid_request_error"), "router"),
], ids=["rate limit", "outage", "refused structured output"])
def test_fallback_models_on_the_fake_server_answer_and_count_usage_per_model(failure, mode, server, tmp_path, capsys):
    (tmp_path / "config.toml").write_text("retries = 0\n")
    follow = following_schemas("writer")

    def per_model(body: dict) -> Reply | None:
        if body.get("model") == "first" and (mode == "chat" or requested_schema(body) is not None):
            return failure
        return follow(body)

    server.route = per_model
    capsys.readouterr()
    status = cli_main(["run", "--no-stdin", "--json", "--home", str(tmp_path / "home"), "--model", "openai/first,openai/second",
                       "--mode", mode, "hello"])
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines()]

    assert status == 0, err
    notices = [e["message"] for e in events if e["type"] == "notice" and "trying openai/second" in e["message"]]
    assert notices and notices[0].startswith("openai/first failed")
    usage_models = {e["model"] for e in events if e["type"] == "usage"}
    assert "second" in " ".join(usage_models) and not any(m.endswith("first,openai/second") for m in usage_models)
