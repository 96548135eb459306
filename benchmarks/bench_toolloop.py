"""One tool-loop step, model excluded: a Session turn in which the model calls one tool and
then answers, on the litellm path against the instant local fake server; beside it the
same exchange made with raw `litellm.acompletion` (two streamed calls, the tool run inline).

Both clocks stop once the exchange's work is all done: litellm logs each call in a task
of its own after the stream ends, which in a turn runs before TurnDone is delivered and
after a bare call returns; counting it on one side only would charge agentsh for litellm."""

from __future__ import annotations

import asyncio
import json
import time

from fake_llm import Reply, alternate, data_home, fake_server, fresh, litellm_kwargs, open_session, settle
from harness import Figure, median

QUESTION = "What is 17*23+4?"
ARGUMENTS = {"expression": "17*23+4"}
CALL = Reply(tool_calls=[{"name": "calculator", "arguments": ARGUMENTS, "id": "call_bench"}])
ANSWER = Reply(text="17*23+4 is 395.")


def script(body: dict) -> Reply:
    """Call the tool first; answer once its result is in the conversation."""
    return ANSWER if body["messages"][-1]["role"] == "tool" else CALL


async def through_session(session) -> float:
    started = time.perf_counter()
    events = [event async for event in session.send(QUESTION)]
    await session.aclose()
    await settle()
    elapsed = time.perf_counter() - started
    done = events[-1]
    assert done.type == "done" and not done.failed and done.model_calls == 2, events
    assert any(e.type == "tool_result" and e.ok and e.output == "395" for e in events), events
    return elapsed


async def _streamed(litellm, server, messages: list[dict], tools: list[dict]) -> dict:
    """One streamed call, assembled into the assistant message (text and tool calls)."""
    stream = await litellm.acompletion(messages=messages, tools=tools, **litellm_kwargs(server))
    text, calls = [], {}
    async for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        text.append(delta.content or "")
        for part in delta.tool_calls or []:
            call = calls.setdefault(part.index or 0, {"id": "", "name": "", "arguments": []})
            call["id"] = call["id"] or part.id or ""
            call["name"] = call["name"] or part.function.name or ""
            call["arguments"].append(part.function.arguments or "")
    message = {"role": "assistant", "content": "".join(text)}
    if calls:
        message["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": "".join(c["arguments"])}}
            for c in calls.values()
        ]
    return message


async def through_litellm(litellm, server, system_prompt: str, tools: list[dict], calculator) -> float:
    started = time.perf_counter()
    messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": QUESTION}]
    first = await _streamed(litellm, server, messages, tools)
    messages.append(first)
    for call in first["tool_calls"]:
        output = calculator(**json.loads(call["function"]["arguments"]))
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": str(output)})
    final = await _streamed(litellm, server, messages, tools)
    await settle()
    elapsed = time.perf_counter() - started
    assert str(output) == "395" and final["content"] == ANSWER.text, (output, final)
    return elapsed


async def _measure(repeat: int) -> tuple[list[float], list[float]]:
    from agentsh.models.litellm import load_litellm

    litellm = load_litellm()
    with fake_server() as server, data_home() as home:
        server.answer = script
        probe = open_session(home)
        tools, system_prompt = probe.registry.schemas(), probe.settings.system_prompt
        calculator = probe.registry.get("calculator").function

        async def ours() -> float:  # a new session each time: the same requests each time
            return await through_session(open_session(home)) * 1000

        async def floor() -> float:
            return await through_litellm(litellm, server, system_prompt, tools, calculator) * 1000

        return await alternate(ours, floor, repeat, warmup=2, between=fresh)


def figures(quick: bool = False) -> list[Figure]:
    ours, floor = asyncio.run(_measure(15 if quick else 50))
    measured, base = median(ours), median(floor)
    return [Figure("one tool-loop step (2 model calls + tool + persistence), model excluded", measured, base,
                   "≤ 1.2× floor", met=measured <= 1.2 * base)]
