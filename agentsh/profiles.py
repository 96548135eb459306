"""Agent profiles: named agents (system prompt, model, tools, temperature) that modes compose.

Bundled defaults make every mode work with no configuration; `[agents.NAME]` tables in
the config file add profiles, or change a bundled one: only the keys a table sets change
(`[agents.router] model = "..."` keeps the router's own prompt).

A profile can be a remote A2A agent: `[agents.helper] url = "http://host:port"` (and `headers`,
`timeout`) sends its work to that agent wherever the profile is used (agentsh/remote_agents).

A profile can be a mode: `[agents.panel] mode = "debate"` plus that mode's settings
(`debaters = [...]`, `rounds = 1`) runs a whole debate wherever a profile is used (a planner
task, a pipeline stage, a supervisor's worker, ...). Its settings are the table's other keys,
over the `[modes.debate]` table; `agentsh.modes.check_profile_modes` validates them at start.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _joined(models: Any) -> Any:
    return join_models(models)


ModelName = Annotated[str | None, BeforeValidator(_joined)]  # `model = "a"` or `model = ["a", "b"]` (fallbacks)


class AgentProfile(BaseModel):
    # `[agents.NAME]` in the config: TOML types, not coerced. Keys beyond the fields are the settings of the
    # profile's mode: kept here, refused when the profile has no mode, checked against the mode's own schema.
    model_config = ConfigDict(extra="allow", strict=True)

    name: str = ""
    description: str = ""
    system_prompt: str = ""  # required for a profile of the user's own (config.py checks it)
    model: ModelName = None  # None: the session's model; a list: fallbacks in order (kept as "a,b")
    tools: list[str] | None = None  # None: every tool; []: no tools
    temperature: float | None = None
    mode: str | None = None  # a mode profile: runs this orchestration mode instead of one agent loop
    # A remote A2A agent (agentsh/remote_agents): it answers instead of a local agent loop; `headers` may hold
    # ${VAR}s filled from the environment, `timeout` is how long (seconds) it may send nothing.
    url: str | None = None
    headers: dict[str, str] | None = None
    timeout: float | None = Field(default=None, gt=0)

    @property
    def summary(self) -> str:
        """What it is for, as a router or a manager is told: its description, else its prompt, else where it is."""
        return self.description or self.system_prompt or (f"a remote agent at {self.url}" if self.url else "")

    @property
    def runs_apart(self) -> bool:
        """A mode profile or a remote agent: not one local agent loop (agent/nesting.py runs it)."""
        return self.mode is not None or self.url is not None

    @property
    def mode_settings(self) -> dict[str, Any]:
        """The keys of its table beyond the profile's own: its mode's settings."""
        return dict(self.model_extra or {})

class Escalate(BaseModel):
    """`escalate = { below = 0.6, to = "strong" }`: a decision less confident than `below` goes to the profile `to`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    below: float = Field(ge=0, le=1)
    to: str = Field(min_length=1)

    def applies(self, confidence: float) -> bool:
        return confidence < self.below


def join_models(models: Any) -> Any:
    """Fallback models as one name ("a,b"): the form a session stores and `resolve_model` reads."""
    if isinstance(models, list) and models and all(isinstance(name, str) for name in models):
        return ",".join(name.strip() for name in models)
    return models  # anything else is judged (and refused) by the field's own type


BUNDLED_PROFILES: dict[str, AgentProfile] = {
    "assistant": AgentProfile(
        description="a generally capable assistant",
        system_prompt="You are a capable, concise assistant. Use tools when they help.",
    ),
    "planner": AgentProfile(
        description="breaks a goal into a small plan of tasks with dependencies",
        system_prompt="You plan work: break the user's goal into the fewest concrete tasks, each doable by one agent, with explicit dependencies.",
        tools=[],
    ),
    "researcher": AgentProfile(
        description="gathers facts and checks them, using tools",
        system_prompt="You are a careful researcher. Gather the facts needed, use tools to check them, and report findings with their sources.",
    ),
    "writer": AgentProfile(
        description="writes clear, well-structured answers",
        system_prompt="You are a clear writer. Turn the material you are given into a well-structured, accurate answer for the user.",
        tools=[],
    ),
    "critic": AgentProfile(
        description="reviews a draft and says whether it is good enough",
        system_prompt="You are a demanding reviewer. Judge whether the draft fully and correctly answers the request; give specific, actionable feedback.",
        tools=[],
    ),
    "coder": AgentProfile(
        description="writes and checks code, using tools",
        system_prompt="You are an expert programmer. Write correct, idiomatic code; use tools to inspect files and check your work.",
    ),
    "moderator": AgentProfile(
        description="weighs several answers and gives the final one",
        system_prompt="You moderate a debate: weigh the participants' answers on their merits and give the single best final answer.",
        tools=[],
    ),
    "router": AgentProfile(
        description="picks the one agent best suited to a request (router mode's classifier)",
        system_prompt="You are a router. Pick the ONE agent best suited to answer the user's latest message.",
        tools=[],
    ),
    "supervisor": AgentProfile(
        description="delegates work to worker agents and combines their results",
        system_prompt=(
            "You manage a team of worker agents. Delegate focused tasks with the delegate tool, "
            "then combine the workers' answers into the final answer."
        ),
        mode="supervisor",  # wherever it is used as an agent (a planner task, a worker), it runs with its delegate tool
    ),
}


def resolve_profiles(configured: dict[str, AgentProfile]) -> dict[str, AgentProfile]:
    merged = {**BUNDLED_PROFILES, **{name: _over_bundled(name, profile) for name, profile in configured.items()}}
    return {name: profile.model_copy(update={"name": name}) for name, profile in merged.items()}


def remote_profiles(configured: dict[str, AgentProfile]) -> set[str]:
    """The names of the profiles that are remote agents (A2A, `url`)."""
    return {name for name, profile in configured.items() if profile.url}


def _over_bundled(name: str, profile: AgentProfile) -> AgentProfile:
    """A configured table changes only the keys it sets of the bundled profile of that name."""
    bundled = BUNDLED_PROFILES.get(name)
    return bundled.model_copy(update=profile.model_dump(exclude_unset=True)) if bundled else profile
