"""Many tools: the tool-schema tokens each request carries with 20 servers × 25 tools, against 64 tools.

A user with 20 MCP servers of 25 tools each (500 tools, MCP-like schemas: a few parameters with
descriptions, enums, nested options) and the bundled plugins talks for 30 turns, each about one
server's subject, half of them calling one of its tools. Every request goes through a real
`Session` (a scripted model records it); its tool schemas are counted in tokens (litellm's
tokenizer for gpt-4o-mini, as JSON). The floor: the same conversation in a session that has exactly
64 tools (the bundled ones and generated tools of the same kind), all of which every request carries.
Target: median tokens per request ≤ 1.1× the floor.

    python benchmarks/tool_schema_tokens.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from agentsh.config import Settings
from agentsh.models.base import ModelRequest
from agentsh.models.scripted import Reply, ScriptedModel, calls
from agentsh.session import Session
from agentsh.tools.selection import DEFAULT_MAX_TOOLS
from agentsh.tools.tool import Tool, make_tool

from harness import Figure

SERVERS, TOOLS_PER_SERVER, TURNS, TARGET = 20, 25, 30, 1.1
SUBJECTS = [
    "github", "jira", "slack", "postgres", "kubernetes", "calendar", "gmail", "notion", "stripe", "sentry",
    "figma", "linear", "spotify", "weather", "filesystem", "docker", "aws", "browser", "maps", "time",
]
VERBS = ["list", "get", "create", "update", "delete", "search", "export", "archive", "share", "count", "rename", "move", "copy"]
NOUNS = ["item", "record", "comment", "label", "member", "report", "event", "file", "project", "setting", "webhook", "token"]


def generated_tools(servers: int, per_server: int, seed: int = 18) -> list[Tool]:
    rng = random.Random(seed)
    pairs = [(verb, noun) for verb in VERBS for noun in NOUNS]
    tools = []
    for subject in SUBJECTS[:servers]:
        for verb, noun in rng.sample(pairs, per_server):
            tools.append(_tool(f"{subject}__{verb}_{noun}", _description(rng, subject, verb, noun), _parameters(rng, subject, noun)))
    return tools


def _description(rng: random.Random, subject: str, verb: str, noun: str) -> str:
    lines = [f"{verb.capitalize()} a {noun} in {subject}.", f"Works on the {subject} account the server is configured for."]
    lines += rng.sample([
        f"Returns the {noun} as JSON, with its id, its owner and when it last changed.",
        "Paginated: pass the cursor of the previous page to get the next one.",
        f"Fails when the {noun} does not exist or the token lacks the scope for it.",
        "Rate limited by the provider; the server retries twice before giving up.",
    ], 2)
    return " ".join(lines)


def _parameters(rng: random.Random, subject: str, noun: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        f"{noun}_id": {"type": "string", "description": f"The {subject} id of the {noun}, as shown in its URL."},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "At most this many results."},
        "order": {"type": "string", "enum": ["newest", "oldest", "relevance"], "description": "How to sort the results."},
        "filters": {
            "type": "object", "description": "Only results matching all of these.",
            "properties": {"owner": {"type": "string"}, "since": {"type": "string", "format": "date-time"}},
        },
        "cursor": {"type": "string", "description": "The cursor of the previous page."},
    }
    chosen = dict(rng.sample(sorted(properties.items()), rng.randint(2, 5)))
    return {"type": "object", "properties": chosen, "required": sorted(chosen)[:1]}


def _tool(name: str, description: str, parameters: dict[str, Any]) -> Tool:
    async def call(**arguments: Any) -> str:
        return f"{name}: done"

    item = make_tool(call, name=name, description=description)
    item.parameters = parameters  # a server's schema, passed through as an MCP tool's is
    return item


def answer(request: ModelRequest) -> Reply:
    """Every other question calls a tool of the subject it is about; then the answer."""
    if request.messages[-1].role == "tool":
        return Reply("Done: " + request.messages[-1].content[:80])
    question = request.messages[-1].content
    if " please" not in question:
        return Reply("Here is what I know.")
    subject = question.split()[2]
    names = [s["function"]["name"] for s in request.tools if s["function"]["name"].startswith(f"{subject}__")]
    return calls((names[0], {})) if names else Reply("No tool for that.")


def question(number: int) -> str:
    subject = SUBJECTS[(number * 7) % SERVERS]
    noun = NOUNS[number % len(NOUNS)]
    ask = " please" if number % 2 else ""
    return f"About my {subject} account: find the latest {noun} and tell me who changed it{ask}"


async def requests_of(home: Path, tools: list[Tool]) -> list[ModelRequest]:
    session = Session.open(Settings(home=home, model="offline", memory={"consolidate": False, "recall": False}))
    session.model = model = ScriptedModel(default=answer, name="scripted")
    for item in tools:
        session.registry.add(item)
    for number in range(TURNS):
        async for _ in session.send(question(number)):
            pass
    await session.aclose()
    return [entry.request for entry in model.requests]


def schema_tokens(request: ModelRequest) -> int:
    import litellm

    return litellm.token_counter(model="gpt-4o-mini", text=json.dumps(request.tools))


def measure() -> dict[str, float]:
    bundled = _bundled_count()
    with tempfile.TemporaryDirectory() as folder:
        many = asyncio.run(requests_of(Path(folder) / "many", generated_tools(SERVERS, TOOLS_PER_SERVER)))
        capped = generated_tools(SERVERS, TOOLS_PER_SERVER)[:: (SERVERS * TOOLS_PER_SERVER) // (DEFAULT_MAX_TOOLS - bundled)]
        capped = capped[: DEFAULT_MAX_TOOLS - bundled]
        floor = asyncio.run(requests_of(Path(folder) / "floor", capped))
    every = schema_tokens(ModelRequest(messages=[], tools=[t.schema() for t in generated_tools(SERVERS, TOOLS_PER_SERVER)]))
    return {
        "many": statistics.median(schema_tokens(r) for r in many),
        "floor": statistics.median(schema_tokens(r) for r in floor),
        "every": every,
        "tools_per_request": statistics.median(len(r.tools) for r in many),
        "floor_tools": statistics.median(len(r.tools) for r in floor),
        "requests": len(many),
    }


def _bundled_count() -> int:
    with tempfile.TemporaryDirectory() as folder:
        return len(Session.open(Settings(home=Path(folder), model="offline")).tools())


def figures(quick: bool = False) -> list[Figure]:
    found = measure()
    return [Figure(
        f"tool-schema tokens per request, {SERVERS} servers × {TOOLS_PER_SERVER} tools (median)", found["many"], found["floor"],
        f"≤ {TARGET}× the 64-tool cap", unit="tokens", met=found["many"] <= TARGET * found["floor"],
    )]


def main() -> int:
    found = measure()
    ratio = found["many"] / found["floor"]
    print(f"{found['requests']} requests over {TURNS} turns, {SERVERS} servers × {TOOLS_PER_SERVER} tools and the bundled ones")
    print(f"tool-schema tokens per request (median): {found['many']:.0f} with {found['tools_per_request']:.0f} tools carried")
    print(f"floor, a session of {found['floor_tools']:.0f} tools all carried: {found['floor']:.0f}   ratio {ratio:.2f}×   target ≤ {TARGET}×")
    print(f"all {SERVERS * TOOLS_PER_SERVER} schemas in every request would be {found['every']:.0f} tokens")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
