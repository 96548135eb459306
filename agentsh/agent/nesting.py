"""A mode profile at work: its whole mode runs, nested in the turn, wherever a profile is used.

`run_agent` and the modes' `answer_as` come here when the profile `runs_apart`: it has a `mode`, or it
is a remote A2A agent (`url`), which is sent the task instead (agentsh/remote_agents: a "remote" step,
its answer streamed, its failure one RemoteAgentError). The nested run is a
`Turn.nested` (its own conversation: the profile's prompt, the context, the task), announced by a
Step(kind="mode", id=...) whose id every step inside it carries as `parent_id`, so UIs and `--json`
readers can draw the run as a tree. Nesting deeper than `max_depth` is a NestingLimitError.
"""

from __future__ import annotations

import uuid

from ..errors import BudgetExceededError, NestingLimitError, UsageError
from ..events import Step
from ..messages import Message, system, user
from ..profiles import AgentProfile
from .turn import Turn


async def run_nested(turn: Turn, profile: AgentProfile, task: str, context: list[Message], label: str | None) -> Turn:
    """Run the profile's mode on `task` after `context`; the finished nested Turn (`output`: its answer).

    `label` None: its answer streams as the turn's own (a router's route, a pipeline's last stage).
    """
    if profile.url is not None:
        return await _run_remote(turn, profile, task, context, label)
    mode = profile.mode or ""
    if turn.depth >= turn.max_depth:
        raise NestingLimitError(
            f"agent {profile.name!r} runs the {mode} mode {turn.depth + 1} levels deep, beyond max_depth = {turn.max_depth} "
            "(raise max_depth in the config, or use an agent that is not a mode there)"
        )
    if turn.run_mode is None:
        raise UsageError(f"agent {profile.name!r} is a {mode} mode, and modes cannot run here")
    step_id = f"mode-{uuid.uuid4().hex[:12]}"
    shown = label or profile.name
    about = {"agent": profile.name, "mode": mode, "depth": turn.depth + 1}
    turn.emit(Step(kind="mode", id=step_id, title=f"{shown}: {mode}", status="running", data=about))
    history = [system(profile.system_prompt), *context, user(task)]
    child = turn.nested(history, mode, {**turn.mode_settings.get(mode, {}), **profile.mode_settings}, step_id, label)
    child.model = turn.model_for(profile)  # a mode profile's own `model` is its run's session model
    try:
        await turn.run_mode(mode, child)
    except BaseException as error:
        status = "budget_limited" if isinstance(error, BudgetExceededError) else "failed"
        turn.progress = turn.progress or child.partial_work()
        turn.emit(Step(kind="mode", id=step_id, title=f"{shown}: {mode}", status=status, data={**about, "error": str(error)}))
        raise
    finally:
        turn.absorb(child)
    turn.emit(Step(kind="mode", id=step_id, title=f"{shown}: {mode}", status="done", data={**about, "answer": child.output}))
    return child


async def _run_remote(turn: Turn, profile: AgentProfile, task: str, context: list[Message], label: str | None) -> Turn:
    """The remote agent answers; a nested Turn holds its answer (the remote's own model calls are not this turn's)."""
    from ..remote_agents import RemoteAgents, run_remote

    if turn.remote_agents is None:
        turn.remote_agents = RemoteAgents()
    answer = await run_remote(turn.remote_agents, profile, task, context, turn.emit, label)
    done = turn.nested([], "remote", {}, turn.parent_step or "", label)
    done.output = answer
    return done
