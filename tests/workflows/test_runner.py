"""A workflow run as a mode, on a scripted model: every kind of node, templates, `when`, concurrency,
retries, structured outputs with their fallback, compensation with results, nesting."""

from __future__ import annotations

import asyncio
import json

import pytest

from agentsh.config import Settings
from agentsh.errors import WorkflowError
from agentsh.events import Notice, Step, TextDelta, ToolCall, ToolResult
from agentsh.models.scripted import Reply, ScriptedModel
from agentsh.session import Session
from agentsh.tools.tool import tool

from helpers import done, of, scripted_session, send


def workflow_session(home, name: str, model: ScriptedModel, *tools):
    session = scripted_session(home, model, *tools)
    session.set_mode(f"workflow:{name}")
    return session


def nodes(events: list, status: str | None = None) -> list[tuple[str, str]]:
    return [(s.title, s.status) for s in of(events, Step) if s.kind == "node" and (status is None or s.status == status)]


async def test_agent_nodes_fill_templates_and_structured_outputs_feed_later_nodes(home, write_workflow):
    write_workflow("triage", """
        [inputs.text]
        [nodes.classify]
        kind = "agent"
        prompt = "Classify: {inputs.text}"
        output.properties.label = { type = "string", enum = ["bug", "idea"] }
        output.properties.topics = { type = "array", items = { type = "string" } }
        [nodes.reply]
        kind = "agent"
        agent = "writer"
        prompt = "Answer a {classify.label} about {classify.topics[0]}; the user said: {request}"
    """)
    model = ScriptedModel('{"label": "bug", "topics": ["login", "ui"]}', "Thanks, we are on it.")
    session = workflow_session(home, "triage", model)

    events = await send(session, "I cannot log in")

    assert model.requests[0].messages[-1].content == "Classify: I cannot log in"
    assert model.requests[0].request.response_format is not None  # the structured-output path
    assert model.requests[1].messages[-1].content == "Answer a bug about login; the user said: I cannot log in"
    assert done(events).output == "Thanks, we are on it."
    assert [m.content for m in session.history()] == ["I cannot log in", "Thanks, we are on it."]
    root = next(s for s in of(events, Step) if s.kind == "workflow")
    node_steps = [s for s in of(events, Step) if s.kind == "node"]
    assert {s.parent_id for s in node_steps} == {root.id}
    assert nodes(events, "done") == [("classify", "done"), ("reply", "done")]
    assert nodes(events)[:2] == [("classify", "pending"), ("reply", "pending")]


async def test_an_invalid_structured_output_is_asked_again_then_the_fallback_is_used(home, write_workflow):
    write_workflow("score", """
        [nodes.rate]
        kind = "agent"
        prompt = "Rate {request}"
        output = { type = "object", properties = { score = { type = "number" } } }
        fallback = { score = -1 }
        [nodes.say]
        kind = "agent"
        prompt = "score {rate.score}"
    """)
    model = ScriptedModel("no json", '{"score": "high"}', "still not", "said")
    session = workflow_session(home, "score", model)

    events = await send(session, "this")

    assert model.requests[-1].messages[-1].content == "score -1"
    assert any("using its fallback" in n.message for n in of(events, Notice))
    assert sum("asking again" in n.message for n in of(events, Notice)) == 2


async def test_without_a_fallback_a_node_with_no_valid_output_fails_the_workflow(home, write_workflow):
    write_workflow("score", """
        [nodes.rate]
        kind = "agent"
        prompt = "Rate {request}"
        output = { type = "object", properties = { score = { type = "number" } } }
    """)
    session = workflow_session(home, "score", ScriptedModel(default="no json"))

    events = await send(session, "this")

    assert done(events).failed
    assert "failed at node rate: node rate gave no output matching its schema (add a fallback" in events[-2].message


async def test_per_node_model_and_temperature(home, write_workflow):
    write_workflow("two", """
        [nodes.local]
        kind = "agent"
        prompt = "hi"
        model = "offline"
        [nodes.warm]
        kind = "agent"
        prompt = "{local}"
        temperature = 1.5
    """)
    model = ScriptedModel("warm answer")
    session = workflow_session(home, "two", model)

    await send(session, "go")

    [request] = model.requests  # the first node went to the offline model
    assert "(offline model)" in request.messages[-1].content
    assert request.request.temperature == 1.5


async def test_a_tool_node_calls_its_tool_with_typed_arguments_and_no_model(home, write_workflow):
    seen = []

    @tool
    def add(a: int, b: int) -> dict:
        """Add."""
        seen.append((a, b))
        return {"sum": a + b}

    write_workflow("sums", """
        [nodes.first]
        kind = "tool"
        tool = "add"
        args = { a = 2, b = 3 }
        [nodes.second]
        kind = "tool"
        tool = "add"
        args = { a = "{first.sum}", b = "{first.sum}" }
    """)
    model = ScriptedModel()
    session = workflow_session(home, "sums", model, add)

    events = await send(session, "go")

    assert seen == [(2, 3), (5, 5)]
    assert model.requests == []
    assert json.loads(done(events).output) == {"sum": 10}
    assert [(c.name, c.agent) for c in of(events, ToolCall)] == [("add", "first"), ("add", "second")]


async def test_a_mode_node_runs_a_whole_mode_on_its_request(home, write_workflow):
    write_workflow("wrapped", """
        [nodes.talk]
        kind = "mode"
        mode = "chat"
        request = "Say it twice: {request}"
        [nodes.after]
        kind = "agent"
        prompt = "The chat said: {talk}"
    """)
    model = ScriptedModel("twice twice", "done")
    session = workflow_session(home, "wrapped", model)

    events = await send(session, "echo")

    assert model.requests[0].messages[-1].content == "Say it twice: echo"
    assert model.requests[1].messages[-1].content == "The chat said: twice twice"
    assert "".join(e.delta for e in of(events, TextDelta) if e.agent == "talk") == "twice twice"
    assert done(events).model_calls == 2


async def test_a_workflow_node_runs_another_workflow_as_a_subtree(home, write_workflow):
    write_workflow("inner", """
        [inputs.topic]
        [nodes.write]
        kind = "agent"
        prompt = "Write about {inputs.topic}"
    """)
    write_workflow("outer", """
        [nodes.pick]
        kind = "agent"
        prompt = "Pick a topic from {request}"
        [nodes.nested]
        kind = "workflow"
        workflow = "inner"
        inputs = { topic = "{pick}" }
    """)
    model = ScriptedModel("tides", "Tides rise.")
    session = workflow_session(home, "outer", model)

    events = await send(session, "the sea")

    assert model.requests[1].messages[-1].content == "Write about tides"
    assert done(events).output == "Tides rise."
    roots = [s for s in of(events, Step) if s.kind == "workflow" and s.status == "running"]
    nested_node = next(s for s in of(events, Step) if s.kind == "node" and s.title == "nested")
    assert [r.title for r in roots] == ["outer", "inner"]
    assert roots[1].parent_id == nested_node.id


async def test_workflows_that_call_each_other_are_refused_before_running(home, write_workflow):
    write_workflow("ping", '[nodes.a]\nkind = "workflow"\nworkflow = "pong"\n')
    write_workflow("pong", '[nodes.b]\nkind = "workflow"\nworkflow = "ping"\n')
    session = scripted_session(home, ScriptedModel())

    with pytest.raises(WorkflowError, match="call each other in a cycle: ping → pong → ping"):
        session.set_mode("workflow:ping")
    assert session.mode == "tools"


async def test_a_python_node_runs_a_plugin_step(home, write_workflow, write_plugin):
    write_plugin("text_steps", """
        from agentsh import step

        @step
        def words(text: str) -> dict:
            return {"count": len(text.split()), "first": text.split()[0]}
    """)
    write_workflow("count", """
        [nodes.measure]
        kind = "python"
        step = "words"
        args = { text = "{request}" }
        output = { type = "object", properties = { count = { type = "integer" }, first = { type = "string" } } }
        [nodes.say]
        kind = "agent"
        prompt = "{measure.count} words, first {measure.first}"
    """)
    model = ScriptedModel("ok")
    session = workflow_session(home, "count", model)

    await send(session, "three little words")

    assert model.requests[0].messages[-1].content == "3 words, first three"


async def test_a_python_step_that_hangs_fails_its_node_at_its_timeout(home, write_workflow, write_plugin):
    write_plugin("stuck_steps", """
        import time
        from agentsh import step

        @step
        def stuck(text: str) -> str:
            time.sleep(30)
            return text
    """)
    write_workflow("hang", """
        [nodes.wait]
        kind = "python"
        step = "stuck"
        args = { text = "{request}" }
        timeout = 0.2
    """)
    session = workflow_session(home, "hang", ScriptedModel("never asked"))

    events = await asyncio.wait_for(send(session, "go"), 10)

    assert done(events).failed
    assert "step stuck took longer than 0.2 s: set timeout = N on node wait to wait longer" in events[-2].message


async def test_when_skips_a_node_and_what_needs_it(home, write_workflow):
    write_workflow("branch", """
        answer = "{escalate}{reply}{notify}"
        [nodes.rate]
        kind = "agent"
        prompt = "rate {request}"
        output = { type = "object", properties = { confidence = { type = "number" }, label = { type = "string" } } }
        [nodes.escalate]
        kind = "agent"
        prompt = "escalate"
        when = "rate.confidence < 0.7 and rate.label == 'negative'"
        [nodes.notify]
        kind = "agent"
        prompt = "notify about {escalate}"
        [nodes.reply]
        kind = "agent"
        prompt = "reply"
        when = "not (rate.confidence < 0.7 and rate.label == 'negative')"
    """)
    model = ScriptedModel('{"confidence": 0.9, "label": "negative"}', "a reply")
    session = workflow_session(home, "branch", model)

    events = await send(session, "meh")

    assert nodes(events, "skipped") == [("escalate", "skipped"), ("notify", "skipped")]
    assert done(events).output == "a reply"


async def test_independent_nodes_run_at_once_up_to_the_bound(home, write_workflow):
    body = "".join(f'[nodes.n{i}]\nkind = "agent"\nprompt = "{i}"\n' for i in range(4))
    write_workflow("wide", body)
    write_workflow("narrow", "concurrency = 2\n" + body)
    model = ScriptedModel(default=Reply(text="x", delay=0.3))
    session = workflow_session(home, "wide", model)

    await send(session, "go")
    wide = _most_at_once(model)
    model.log.clear()
    session.set_mode("workflow:narrow")
    await send(session, "go")

    assert wide == 4
    assert _most_at_once(model) == 2


def _most_at_once(model: ScriptedModel) -> int:
    moments = sorted([(r.started, 1) for r in model.requests] + [(r.finished, -1) for r in model.requests])
    running = most = 0
    for _, change in moments:
        running += change
        most = max(most, running)
    return most


async def test_a_failing_node_is_tried_again_as_many_times_as_it_says(home, write_workflow):
    attempts = []

    @tool
    def flaky() -> str:
        """Fails once."""
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("busy")
        return "fine"

    write_workflow("retry", '[nodes.call]\nkind = "tool"\ntool = "flaky"\nretries = 1\n')
    session = workflow_session(home, "retry", ScriptedModel(), flaky)

    events = await send(session, "go")

    assert len(attempts) == 2 and done(events).output == "fine"
    assert any("node call failed" in n.message and "trying again (2 of 2)" in n.message for n in of(events, Notice))


async def test_a_failure_undoes_completed_tool_nodes_in_reverse_with_arguments_and_results(home, write_workflow):
    undone = []

    @tool
    def cancel(booking_id: str, city: str) -> str:
        """Cancel."""
        undone.append((booking_id, city))
        return f"cancelled {booking_id}"

    @tool(compensate=cancel)
    def book(city: str) -> dict:
        """Book."""
        return {"booking_id": f"B-{city}"}

    @tool
    def pay() -> str:
        """Always fails."""
        raise RuntimeError("card declined")

    write_workflow("saga", """
        [nodes.first]
        kind = "tool"
        tool = "book"
        args = { city = "Oslo" }
        [nodes.second]
        kind = "tool"
        tool = "book"
        needs = ["first"]
        args = { city = "Rome" }
        [nodes.payment]
        kind = "tool"
        tool = "pay"
        needs = ["second"]
    """)
    session = workflow_session(home, "saga", ScriptedModel(), book, cancel, pay)

    events = await send(session, "go")

    assert undone == [("B-Rome", "Rome"), ("B-Oslo", "Oslo")]
    undo_steps = [(s.title, s.status, s.data["result"]) for s in of(events, Step) if s.kind == "compensate"]
    assert undo_steps == [("undo second with cancel", "done", "cancelled B-Rome"), ("undo first with cancel", "done", "cancelled B-Oslo")]
    assert done(events).failed
    assert "failed at node payment: tool pay: pay raised RuntimeError: card declined" in events[-2].message
    assert [r.ok for r in of(events, ToolResult) if r.name == "cancel"] == [True, True]


async def test_the_nodes_a_failure_left_waiting_end_skipped_not_pending(home, write_workflow):
    @tool
    def pay() -> str:
        """Always fails."""
        raise RuntimeError("card declined")

    write_workflow("checkout", """
        [nodes.payment]
        kind = "tool"
        tool = "pay"
        [nodes.receipt]
        kind = "agent"
        needs = ["payment"]
        prompt = "a receipt"
    """)
    session = workflow_session(home, "checkout", ScriptedModel(), pay)

    events = await send(session, "go")

    last = {title: status for title, status in nodes(events)}  # each node's final state, as a tree shows it
    assert last == {"payment": "failed", "receipt": "skipped"}
    receipt = [s for s in of(events, Step) if s.kind == "node" and s.title == "receipt"][-1]
    assert receipt.data["reason"] == "not run: the workflow failed"


async def test_an_unknown_workflow_is_refused_with_the_closest_name(home, write_workflow):
    write_workflow("research", '[nodes.a]\nkind = "agent"\nprompt = "x"\n')
    session = scripted_session(home, ScriptedModel())

    with pytest.raises(WorkflowError, match="unknown workflow 'reserch'; did you mean 'research'"):
        session.set_mode("workflow:reserch")


async def test_an_edited_file_is_used_at_the_next_turn_and_a_broken_one_is_reported(home, write_workflow):
    path = write_workflow("live", '[nodes.a]\nkind = "agent"\nprompt = "first {request}"\n')
    model = ScriptedModel(default="ok")
    session = workflow_session(home, "live", model)
    await send(session, "go")
    path.write_text('[nodes.a]\nkind = "agent"\nprompt = "second version {request}"\n')

    await send(session, "go")
    path.write_text('[nodes.a]\nkind = "agent"\nprompt = "{nope}"\n')
    events = await send(session, "go")

    assert model.requests[1].messages[-1].content == "second version go"
    assert any(n.level == "warning" and "live.toml: failed to load:" in n.message and ":3: unknown placeholder {nope}" in n.message
               for n in of(events, Notice))
    assert done(events).failed


async def test_workflows_nested_deeper_than_the_limit_fail_with_the_chain(home, write_workflow):
    from agentsh.workflows.runner import MAX_DEPTH

    for level in range(MAX_DEPTH + 1):
        write_workflow(f"w{level}", f'[nodes.inner]\nkind = "workflow"\nworkflow = "w{level + 1}"\n')
    write_workflow(f"w{MAX_DEPTH + 1}", '[nodes.leaf]\nkind = "agent"\nprompt = "deep"\n')
    model = ScriptedModel(default="deep answer")
    session = workflow_session(home, "w2", model)
    assert done(await send(session, "go")).output == "deep answer"  # w2 … w6: MAX_DEPTH workflows, one inside the other

    session.set_mode("workflow:w0")
    events = await send(session, "go")

    assert done(events).failed
    assert "workflows nest too deep or call each other in a cycle: w0 → w1 → w2 → w3 → w4 → w5" in events[-2].message


def test_a_broken_workflow_file_is_reported_at_start_like_a_broken_plugin(home, write_workflow):
    write_workflow("typo", '[nodes.a]\nkind = "agent"\nagent = "witer"\nprompt = "x"\n')

    session = scripted_session(home, ScriptedModel())

    assert any(n.startswith("typo.toml: failed to load: ") and ":3: unknown agent profile 'witer'; did you mean 'writer'?" in n
               for n in session.notices)


async def test_a_session_whose_workflow_file_is_gone_still_resumes_and_says_so(home, write_workflow):
    path = write_workflow("gone", '[nodes.a]\nkind = "agent"\nprompt = "x"\n')
    session = workflow_session(home, "gone", ScriptedModel("answer"))
    await send(session, "go")
    path.unlink()

    resumed = Session.open(Settings(home=home, model="offline"), resume=session.id)

    assert resumed.mode == "workflow:gone"
    assert any(n.startswith("unknown workflow 'gone'") and n.endswith("(/mode switches to another mode)") for n in resumed.notices)
    with pytest.raises(WorkflowError, match="unknown workflow 'gone'"):
        Session.open(Settings(home=home, model="offline", mode="workflow:gone"))


async def test_a_mode_nodes_own_steps_hang_under_the_node(home, write_workflow):
    write_workflow("staged", '[nodes.chain]\nkind = "mode"\nmode = "pipeline"\nrequest = "{request}"\n')
    session = workflow_session(home, "staged", ScriptedModel("notes", "final"))

    events = await send(session, "explain tides")

    node = next(s for s in of(events, Step) if s.kind == "node")
    stages = [s for s in of(events, Step) if s.kind == "stage"]
    assert stages and {s.parent_id for s in stages} == {node.id}
    assert done(events).output == "final"
