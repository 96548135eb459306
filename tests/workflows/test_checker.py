"""`agentsh workflows check`'s findings: each problem with its file, line and a suggestion."""

from __future__ import annotations

import textwrap

import pytest

from agentsh.errors import WorkflowError
from agentsh.workflows.checker import Known, ToolInfo, check
from agentsh.workflows.loader import parse_workflow

KNOWN = Known(
    profiles={"assistant", "researcher", "writer"},
    tools={"book_flight": ToolInfo("cancel_flight", {"destination": "string", "seats": "integer"}), "cancel_flight": ToolInfo()},
    modes={"chat", "debate", "planner"},
    steps={"open_ticket"},
)
HEAD = """
[inputs.goal]

[nodes.classify]
kind = "agent"
prompt = "Classify {inputs.goal}"
output = { type = "object", properties = { label = { type = "string", enum = ["bad", "good"] }, \
score = { type = "number" }, topics = { type = "array", items = { type = "string" } } } }
"""


def problems(body: str, tmp_path, known: Known = KNOWN, name: str = "flow") -> list[str]:
    path = tmp_path / f"{name}.toml"
    path.write_text(textwrap.dedent(HEAD + body))
    workflow = parse_workflow(name, path, path.read_text())
    known.workflows[name] = workflow
    return [f"{p.line}: {p.message}" for p in check(workflow, known)]


def test_a_good_workflow_has_no_problem(tmp_path):
    assert problems('[nodes.reply]\nkind = "agent"\nprompt = "{classify.topics[0]} {request}"\nwhen = "classify.score > 0.5"\n', tmp_path) == []


@pytest.mark.parametrize(("body", "expected"), [
    ('[nodes.reply]\nkind = "agent"\nprompt = """\nsee\n{clasify.label}"""\n',
     "12: unknown placeholder {clasify.label}: no node named 'clasify'; did you mean 'classify'?"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "{inputs.gaol}"\n',
     "10: unknown placeholder {inputs.gaol}: no input named 'gaol'; did you mean 'goal'?"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "{classify.topic}"\n',
     "10: {classify.topic}: classify has no field 'topic'; did you mean 'topics'?"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "{classify.label.x}"\n',
     "10: {classify.label.x}: classify.label is a string, which has no field 'x'"),
    ('[nodes.reply]\nkind = "agent"\nagent = "witer"\nprompt = "x"\n', "10: unknown agent profile 'witer'; did you mean 'writer'?"),
    ('[nodes.reply]\nkind = "agent"\nagent = "zzz"\nprompt = "x"\n', "10: unknown agent profile 'zzz'; define it under [agents.NAME] in the config"),
    ('[nodes.book]\nkind = "tool"\ntool = "book_flite"\n', "10: unknown tool 'book_flite'; did you mean 'book_flight'?"),
    ('[nodes.book]\nkind = "tool"\ntool = "book_flight"\nargs = { seats = "{classify.label}" }\n',
     "11: type mismatch: {classify.label} is string but book_flight's argument seats wants integer"),
    ('[nodes.book]\nkind = "tool"\ntool = "book_flight"\nargs = { destnation = "x" }\n',
     "11: tool book_flight has no argument 'destnation'; did you mean 'destination'?"),
    ('[nodes.run]\nkind = "mode"\nmode = "debait"\nrequest = "x"\n', "10: unknown mode 'debait'; did you mean 'debate'?"),
    ('[nodes.run]\nkind = "python"\nstep = "open_tiket"\n', "10: unknown python step 'open_tiket'; did you mean 'open_ticket'?"),
    ('[nodes.run]\nkind = "workflow"\nworkflow = "nope"\n', "10: unknown workflow 'nope'; `agentsh workflows list` lists them"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "x"\nneeds = ["clasify"]\n', "11: needs names an unknown node 'clasify'; did you mean 'classify'?"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "x"\nwhen = "classify.score < \'high\'"\n',
     "11: type mismatch in when: classify.score is number, compared with 'high'"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "x"\nwhen = "classify.score =< 1"\n',
     "11: when: use '==' to compare (at character 16 of 'classify.score =< 1')"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "x"\noutput = { type = "object", properties = { n = { type = "int" } } }\n',
     "11: output.n: type must be one of object, array, string, number, integer, boolean, not 'int'"),
    ('[nodes.reply]\nkind = "agent"\nprompt = "x"\noutput = { type = "object", properties = { n = { type = "number" } } }\n'
     'fallback = { n = "many" }\n',
     "12: the fallback does not match the output schema: n: Input should be a valid number"),
])
def test_each_mistake_is_reported_at_its_line_with_a_suggestion(tmp_path, body, expected):
    found = problems(body, tmp_path)
    assert any(line.startswith(expected) for line in found), found


def test_a_cycle_names_its_path(tmp_path):
    body = '[nodes.a]\nkind = "agent"\nprompt = "{b}"\n\n[nodes.b]\nkind = "agent"\nprompt = "{a}"\n'
    assert "8: the nodes form a cycle: a → b → a; remove one of these needs or references" in problems(body, tmp_path)


def test_a_when_that_can_never_be_true_makes_its_node_and_what_needs_it_unreachable(tmp_path):
    body = ('[nodes.escalate]\nkind = "agent"\nprompt = "x"\nwhen = "classify.label == \'angry\'"\n\n'
            '[nodes.notify]\nkind = "agent"\nprompt = "{escalate}"\n')
    found = problems(body, tmp_path)
    assert "11: node escalate is unreachable: its when can never be true (classify.label == 'angry'): classify.label is one of 'bad', 'good'" in found
    assert "13: node notify is unreachable: it needs escalate, which never runs" in found


def test_a_when_comparing_with_a_misspelt_value_suggests_the_one_meant(tmp_path):
    found = problems('[nodes.thank]\nkind = "agent"\nprompt = "x"\nwhen = "classify.label == \'godo\'"\n', tmp_path)
    assert "11: node thank is unreachable: its when can never be true (classify.label == 'godo'): " \
           "classify.label is one of 'bad', 'good'; did you mean 'good'?" in found


def test_workflows_that_call_each_other_are_a_cycle(tmp_path):
    known = Known(profiles={"assistant"}, workflows={})
    problems('[nodes.inner]\nkind = "workflow"\nworkflow = "two"\n', tmp_path, known, name="one")
    found = problems('[nodes.back]\nkind = "workflow"\nworkflow = "one"\n', tmp_path, known, name="two")
    assert any("workflows call each other in a cycle: two → one → two" in line for line in found)


def test_a_reference_to_a_text_output_field_asks_for_a_schema(tmp_path):
    body = '[nodes.draft]\nkind = "agent"\nprompt = "x"\n\n[nodes.review]\nkind = "agent"\nprompt = "{draft.title}"\n'
    expected = "14: {draft.title}: draft is text (its node has no output schema), so it has no field 'title': add an output schema to that node"
    assert expected in problems(body, tmp_path)


@pytest.mark.parametrize(("text", "expected"), [
    ('[nodes.a]\nkind = "agent"\npromt = "x"\n', "flow.toml:3: unknown key nodes.a.promt; did you mean 'prompt'?"),
    ('[nodes.a]\nkind = "agnet"\nprompt = "x"\n', "flow.toml:2: nodes.a.kind must be one of agent, tool, mode, workflow, python"),
    ('[nodes.a]\nkind = "agent"\n', "flow.toml:1: nodes.a.prompt is required"),
    ('[nodes.a]\nkind = "agent"\nprompt = "x\n', "flow.toml:3: not valid TOML"),
    ('descripton = "x"\n[nodes.a]\nkind = "agent"\nprompt = "x"\n', "flow.toml:1: unknown key descripton; did you mean 'description'?"),
])
def test_a_file_that_does_not_parse_says_where(tmp_path, text, expected):
    path = tmp_path / "flow.toml"
    path.write_text(text)
    with pytest.raises(WorkflowError) as error:
        parse_workflow("flow", path, text)
    assert expected in str(error.value)
