"""An MCP tool's images reach a model that takes images, through litellm from the fake provider: after the
tool results, as image parts of a user message (a tool message holds only text); a model that does not
take images reads their description. What a server claims is an image is checked: anything else stays a
description. The stored tool message keeps its images, so a resumed session sends them again, byte for byte."""

from __future__ import annotations

import base64
import json

import mcp_types as types
import pytest

from agentsh.config import Settings
from agentsh.events import ToolResult
from agentsh.mcp.tools import tool_output
from agentsh.session import Session

from fakeserver import Reply
from helpers import of, send
from mcp_support import stdio_table

VISION = "openai/gpt-4o"  # litellm knows it takes images; the fake server answers for it
NO_VISION = "openai/fake-model"  # litellm knows nothing of it: no images
PNG_DATA = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 100).decode()
PNG_URL = f"data:image/png;base64,{PNG_DATA}"


@pytest.fixture
def provider(fake_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-mcp-images")
    return fake_server


def open_session(home, tmp_path, model: str, resume: str | None = None) -> Session:
    table = stdio_table(tmp_path / "faults.log", allow=["*"])
    settings = Settings(home=home, model=model, mcp_servers={"faults": table}, memory={"consolidate": False}, request_timeout=10.0)
    return Session.open(settings, resume=resume)


async def picture_turn(provider, home, tmp_path, model: str, kind: str = "png") -> tuple[Session, list]:
    provider.enqueue(Reply(tool_calls=[{"name": "faults__picture", "arguments": {"kind": kind}, "id": "call_pic"}]), Reply(text="a picture"))
    session = open_session(home, tmp_path, model)
    session.mcp.start()
    await session.mcp.wait_for_starting(lambda text: None)
    try:
        events = await send(session, "show me the picture")
    finally:
        await session.aclose()
    return session, events


def after_tool_result(body: dict) -> tuple[dict, dict | None]:
    """The request's tool message and the message after it."""
    messages = body["messages"]
    index = next(i for i, m in enumerate(messages) if m["role"] == "tool")
    return messages[index], (messages[index + 1] if index + 1 < len(messages) else None)


def image_urls(body: dict) -> list[str]:
    return [part["image_url"]["url"] for m in body["messages"] if isinstance(m.get("content"), list) for part in m["content"] if part["type"] == "image_url"]


async def test_a_model_that_takes_images_sees_the_tools_image_after_the_tool_results(provider, home, tmp_path):
    _, events = await picture_turn(provider, home, tmp_path, VISION)
    [result] = of(events, ToolResult)
    assert result.output == "a png picture\n[image: image/png, 108 bytes]"  # what the tool block and the REPL show
    assert PNG_DATA not in json.dumps([e.to_json() for e in events])  # nor the event stream (`--json`, the event log)
    tool, then = after_tool_result(provider.last_body)
    assert tool["content"] == "a png picture\n[image: image/png, 108 bytes]\n[the image above is attached after the tool results]"
    assert then is not None and then["role"] == "user"
    assert then["content"][0]["type"] == "text" and "tool calls above" in then["content"][0]["text"]
    assert then["content"][-1] == {"type": "image_url", "image_url": {"url": PNG_URL}}
    assert image_urls(provider.last_body) == [PNG_URL]


async def test_an_image_as_an_embedded_resource_is_shown_too(provider, home, tmp_path):
    _, events = await picture_turn(provider, home, tmp_path, VISION, "resource")
    assert of(events, ToolResult)[0].output == "a resource picture\n[image <file:///shot.png>: image/png, 108 bytes]"
    assert image_urls(provider.last_body) == [PNG_URL]


async def test_a_model_that_does_not_take_images_reads_only_the_description(provider, home, tmp_path):
    await picture_turn(provider, home, tmp_path, NO_VISION)
    tool, then = after_tool_result(provider.last_body)
    assert tool["content"].endswith("[image: image/png, 108 bytes]\n[the image above is not shown to the model: it does not accept images]")
    assert then is None  # the tool result ends the request: no message of images
    assert image_urls(provider.last_body) == [] and PNG_DATA not in json.dumps(provider.last_body)


@pytest.mark.parametrize(("kind", "why"), [
    ("svg", "[image: image/svg+xml, 19 bytes; not shown to the model: not a PNG, JPEG, GIF or WebP image]"),
    ("not-base64", "[image: image/png, 21 bytes; not shown to the model: its data is not valid base64]"),
    ("not-png", "[image: image/png, 15 bytes; not shown to the model: its data is not image/png data]"),
])
async def test_what_is_not_a_checked_image_stays_a_description(provider, home, tmp_path, kind, why):
    _, events = await picture_turn(provider, home, tmp_path, VISION, kind)
    assert of(events, ToolResult)[0].output == f"a {kind} picture\n{why}"
    tool, then = after_tool_result(provider.last_body)
    assert tool["content"] == f"a {kind} picture\n{why}" and then is None
    assert image_urls(provider.last_body) == []


async def test_a_resumed_session_sends_the_image_again_in_the_same_place(provider, home, tmp_path):
    session, _ = await picture_turn(provider, home, tmp_path, VISION)
    first = provider.last_body["messages"]
    resumed = open_session(home, tmp_path, VISION, resume=session.id)
    [stored] = [m for m in resumed.history() if m.role == "tool"]
    assert [(a.kind, a.media_type, a.size) for a in stored.attachments] == [("image", "image/png", 108)]
    forked = open_session(home, tmp_path, VISION, resume=resumed.fork().id)
    assert [a.data for m in forked.history() for a in m.attachments] == [PNG_DATA]  # a fork and an export keep it too
    assert PNG_DATA in resumed.export("json")
    await forked.aclose()
    provider.enqueue(Reply(text="still a picture"))
    try:
        await send(resumed, "and now?")
    finally:
        await resumed.aclose()
    again = provider.last_body["messages"]
    start = next(i for i, m in enumerate(first) if m["role"] == "user")
    assert again[start:len(first)] == first[start:]  # the same bytes: a provider's prompt cache still holds
    assert image_urls(provider.last_body) == [PNG_URL]


def test_images_over_the_limit_of_an_at_file_image_stay_descriptions():
    """At most 5 MB of images in one result (an @file image's limit): each goes again with every request."""
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 3_000_000).decode()
    result = types.CallToolResult(content=[types.ImageContent(data=big, mime_type="image/png")] * 2)
    output = tool_output(result, "shots__take")
    assert [image.size for image in output.images] == [3_000_008]
    assert output.text.splitlines() == [
        "[image: image/png, 2.9 MB]", "[image: image/png, 2.9 MB; not shown to the model: over the 5 MB limit for a result's images]",
    ]
