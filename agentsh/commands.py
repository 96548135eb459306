"""Slash commands, as pure functions shared by the TUI and the REPL.

`run_slash_command(session, "/mode planner")` returns a `CommandResult`: text to show, and
an optional action the UI performs (quit, new session, resume...). Nothing here
touches a terminal.
"""

from __future__ import annotations

import argparse
import json
import shlex
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from .costs import cost_text, dollars
from .custom_commands import CustomCommand, TurnOptions
from .errors import AgentshError
from .modes import mode_class, mode_names
from .text import counted

if TYPE_CHECKING:
    from .session import Session


@dataclass
class CommandResult:
    text: str = ""
    # performed by the UI: "compare" (run `compare_request(session, shlex.split(argument))` and show its table),
    # "quit", "new", "resume", "compact", "continue", "export", "sessions", "stats"; "send" (send `argument`
    # with `options` for its turn: a custom command), "resend" (the transcript changed: show it again, then send
    # `argument`), "edit" (put `argument` in the input; sending it replaces the last turn: `edit_last`), "reload" (the
    # transcript changed; `argument`, if any, goes back in the input), "copy" (`argument`)
    action: str | None = None
    argument: str | None = None
    error: bool = False
    options: TurnOptions | None = None


Handler = Callable[["Session", list[str]], CommandResult]
COMMANDS: dict[str, tuple[Handler, str]] = {}
RAW_ARGUMENT = {"edit"}  # commands that get the rest of the line as it was typed (one argument), not split into words


def command(name: str, summary: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = (handler, summary)
        return handler

    return register


def is_command(text: str) -> bool:
    return text.startswith("/") and not text.startswith("//")


def run_slash_command(session: Session, text: str) -> CommandResult:
    name, _, rest = text[1:].lstrip().partition(" ")
    if name in RAW_ARGUMENT:
        return _run(session, name, [rest.strip()] if rest.strip() else [])
    try:
        words = shlex.split(text[1:])
    except ValueError:  # an apostrophe in free text ("/memory add the user's cat") is not a quoting error
        words = text[1:].split()
    if not words:
        return _help(session, [])
    return _run(session, words[0], words[1:], text[1:].strip()[len(words[0]):].strip())


def _run(session: Session, name: str, args: list[str], rest: str = "") -> CommandResult:
    """Run built-in command `name` with `args`, else the command file of that name with `rest` (the line as typed)."""
    entry = COMMANDS.get(name)
    try:
        if entry is None and ":" in name:
            return _run_prompt(session, name, rest)
        if entry is None:
            return _run_custom(session, name, rest)
        return entry[0](session, args)
    except AgentshError as error:
        return CommandResult(str(error), error=True)


def custom_command_turn(session: Session, text: str) -> CommandResult | None:
    """`text` as a command file's turn (`agentsh run "/review src"`); None when it names no command file."""
    name = text[1:].split(None, 1)[0] if is_command(text) and text[1:].strip() else ""
    if name in COMMANDS or name not in custom_commands(session):
        return None
    return _run_custom(session, name, text[1:].strip()[len(name):].strip())


def custom_commands(session: Session) -> dict[str, CustomCommand]:
    """The commands from command files, as they are on disk now (built-in names refused)."""
    return session.custom_commands(frozenset(COMMANDS))[0]


def _run_custom(session: Session, name: str, arguments: str) -> CommandResult:
    """A command file's template, filled in and sent, with its mode, model and tools for that turn."""
    found = custom_commands(session).get(name)
    if found is None:
        return CommandResult(f"unknown command /{name}; /help lists them", error=True)
    if found.mode is not None and found.mode not in mode_names():
        return CommandResult(f"/{name}: unknown mode {found.mode!r} in {found.source}", error=True)
    text = found.expand(arguments)
    if not text.strip():
        return CommandResult(f"/{name}: {found.source} has no prompt", error=True)
    return CommandResult(action="send", argument=text, options=found.options)


def _run_prompt(session: Session, name: str, arguments: str) -> CommandResult:
    """An MCP server's prompt (/SERVER:PROMPT args): its messages are sent as the user's message."""
    options = session.mcp_prompt_options(name, arguments)
    if options is None:
        servers = ", ".join(s.name for s in session.mcp_servers()) or "none is configured"
        return CommandResult(f"unknown command /{name}: no ready MCP server offers that prompt (servers: {servers}; /mcp)", error=True)
    return CommandResult(action="send", argument=f"/{name} {arguments}".strip(), options=options)


def completions(session: Session, text: str) -> list[str]:
    """Candidates for what is being typed: command names, then their arguments."""
    if " " not in text:
        return [f"/{n}" for n in command_summaries(session) if f"/{n}".startswith(text)]
    name, _, partial = text[1:].partition(" ")
    options = {
        "mode": lambda: [*mode_names(), *(name for name, _, _ in session.workflow_modes())],
        "resume": lambda: [r.id for r in session.recent_sessions(50)],
        "model": lambda: known_models(session),
        "memory": lambda: list(MEMORY_ACTIONS),
        "export": lambda: ["md", "json"],
        "retry": lambda: ["--mode", "--model", "--from", "--reuse"],
        "undo": lambda: ["--force"],
        "rewind": lambda: [str(point.number) for point in session.rewind_points()],
        "mcp": lambda: ["restart", *(f"restart {server.name}" for server in session.mcp_servers())],
    }.get(name)
    return [o for o in options() if o.startswith(partial)] if options else []


def mention_word(text: str) -> str | None:
    """The @mention being typed at the end of `text` (without the @), or None when the last word is not one."""
    word = text.rsplit(None, 1)[-1] if text.strip() and not text[-1].isspace() else ""
    return word[1:] if word.startswith("@") else None


def mention_completions(session: Session, text: str) -> list[str]:
    """Whole-input candidates for an @path being typed at the end of `text`."""
    partial = mention_word(text)
    if partial is None:
        return []
    head = text[: len(text) - len(partial)]
    return [head + path for path in session.complete_path(partial)]


def command_summaries(session: Session | None) -> dict[str, str]:
    """Every command's name and summary: the built-in ones, then those from command files."""
    summaries = {name: summary for name, (_, summary) in COMMANDS.items()}
    if session is not None:
        summaries.update((name, custom.summary()) for name, custom in custom_commands(session).items())
        summaries.update(session.mcp_prompts())
    return summaries


def known_models(session: Session | None) -> list[str]:
    """Models worth offering: the built-in one, each provider's default, then the current and recent ones."""
    from .config import PROVIDER_DEFAULTS

    names = ["offline", *(model for _, model in PROVIDER_DEFAULTS)]
    if session is not None:
        names += [session.model_name, *(record.model for record in session.recent_sessions(50))]
    return list(dict.fromkeys(names))


def mode_summary(name: str) -> str:
    return mode_class(name).summary


@command("help", "list the commands")
def _help(session: Session, args: list[str]) -> CommandResult:
    lines = [f"/{name:<9} {summary}" for name, summary in command_summaries(session).items()]
    lines.append("↑ on an empty input (TUI) or /edit puts your last message back to edit; sending it replaces that turn")
    refused = session.custom_commands(frozenset(COMMANDS))[1]
    return CommandResult("\n".join(lines + refused))


@command("mode", "show or switch the orchestration mode: /mode planner")
def _mode(session: Session, args: list[str]) -> CommandResult:
    if not args:
        lines = [_hanging(f"{'*' if n == session.mode else ' '} {n:<11} ", mode_summary(n)) for n in mode_names()]
        lines += [_hanging(f"{'*' if n == session.mode else ' '} {n} — ", summary if ok else "does not check: agentsh workflows check")
                  for n, summary, ok in session.workflow_modes()]
        return CommandResult("\n".join(lines))
    session.set_mode(args[0])
    return CommandResult(f"mode: {args[0]} — {_described(session, args[0])}")


def _described(session: Session, mode: str) -> str:
    """What the mode does: a workflow's own description (what its file says), else the mode's summary."""
    if mode.startswith("workflow:"):
        return next((text for name, text, ok in session.workflow_modes() if name == mode and text), mode_summary(mode))
    return mode_summary(mode)


@command("save-plan", "save the last planner turn's plan as a workflow file: /save-plan NAME")
def _save_plan(session: Session, args: list[str]) -> CommandResult:
    if len(args) != 1:
        return CommandResult("usage: /save-plan NAME (then /mode workflow:NAME runs it)", error=True)
    path = session.save_plan(args[0])
    return CommandResult(f"saved the plan as {path}; edit it, check it with `agentsh workflows check {args[0]}`, run it with /mode workflow:{args[0]}")


LIST_WIDTH = 74  # the transcript's width in an 80-column terminal


def _hanging(head: str, text: str) -> str:
    """`text` after `head`, wrapped so that its next lines start under it, not under `head`."""
    return textwrap.fill(text, LIST_WIDTH, initial_indent=head, subsequent_indent=" " * len(head))


@command("model", "show or switch the model: /model openai/gpt-4o-mini")
def _model(session: Session, args: list[str]) -> CommandResult:
    if not args:
        return CommandResult(f"model: {session.model_name}")
    session.set_model(args[0])
    return CommandResult(f"model: {args[0]}")


BUDGET_NAMES = {  # /budget NAME → the limit it sets
    "cost": "max_cost", "tokens": "max_tokens", "calls": "max_model_calls",
    "session-cost": "session_max_cost", "session-tokens": "session_max_tokens",
    "daily-cost": "daily_max_cost", "daily-tokens": "daily_max_tokens",
}


@command("budget", "show or set what a turn, this session and today may spend: /budget [cost|tokens|calls|session-cost|... N|off]")
def _budget(session: Session, args: list[str]) -> CommandResult:
    if args:
        if len(args) != 2 or args[0] not in BUDGET_NAMES:
            return CommandResult(f"usage: /budget NAME N|off, NAME one of: {', '.join(BUDGET_NAMES)}", error=True)
        value = None if args[1] == "off" else _number(args[1])
        if value is None and args[1] != "off":
            return CommandResult(f"/budget {args[0]}: {args[1]!r} is not a number (or 'off')", error=True)
        session.set_budget(BUDGET_NAMES[args[0]], value)
    return CommandResult(_budget_text(session))


def _number(text: str) -> float | None:
    try:
        value = float(text.removeprefix("$"))
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _budget_text(session: Session) -> str:
    limits, (spent_session, spent_day) = session.budget_limits, session.budget_spent()
    spent = {"session": spent_session, "daily": spent_day}
    lines = []
    for name, field_name in BUDGET_NAMES.items():
        limit = getattr(limits, field_name)
        scope = name.split("-")[0] if "-" in name else "turn"
        used = "" if scope == "turn" else f"  (spent: {_spent(spent[scope], name)})"
        lines.append(f"{name:<15} {'off' if limit is None else _limit(limit, name)}{used}")
    return "budget (/budget NAME N|off to change):\n" + "\n".join(lines)


def _limit(value: float, name: str) -> str:
    """A limit as it was set: $0.01, $0.000016 (never 1.6e-05), 200,000."""
    return f"${Decimal(repr(value)).normalize():f}" if name.endswith("cost") else f"{int(value):,}"


def _spent(spent, name: str) -> str:
    return cost_text(spent.cost, spent.unpriced) if name.endswith("cost") else f"{spent.tokens:,} tokens"


@command("tools", "the tools the model can call")
def _tools(session: Session, args: list[str]) -> CommandResult:
    lines = [f"{t.name:<16} {(t.description.splitlines() or [''])[0]}" for t in session.tools()]
    return CommandResult("\n".join(lines) or "no tools loaded")


@command("sessions", "recent sessions (resume one with /resume ID)")
def _sessions(session: Session, args: list[str]) -> CommandResult:
    lines = [f"{r.id}  {r.mode:<10} {r.title or '(untitled)'}{'  (agentsh run)' if r.origin == 'run' else ''}" for r in session.recent_sessions(20)]
    return CommandResult("\n".join(lines) or "no sessions yet", action="sessions")


@command("resume", "resume a past session: /resume ID")
def _resume(session: Session, args: list[str]) -> CommandResult:
    if not args:
        return _sessions(session, args)
    record = session.find_session(args[0])
    return CommandResult(f"resuming {record.id}: {record.title or 'untitled'}", action="resume", argument=record.id)


@command("new", "start a new session")
def _new(session: Session, args: list[str]) -> CommandResult:
    return CommandResult("new session", action="new")


@command("fork", "fork this session into a new one: /fork [N] keeps the first N messages (/fork list numbers them)")
def _fork(session: Session, args: list[str]) -> CommandResult:
    if args and args[0] == "list":
        return CommandResult(_numbered(session) or "no messages yet")
    if args and not args[0].isdigit():
        return CommandResult(f"/fork takes a number of messages (/fork list numbers them), not {args[0]!r}", error=True)
    record = session.fork(int(args[0]) if args else None)
    return CommandResult(f"forked into {record.id}", action="resume", argument=record.id)


def _numbered(session: Session) -> str:
    """The visible messages, numbered as /fork counts them: who, and the start of the text."""
    return "\n".join(
        f"{number:>3}  {'you' if m.role == 'user' else 'answer':<6} {_start(m.content, 60)}"
        for number, m in enumerate(session.visible_messages(), 1)
    )


def _start(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@command("status", "this session: id, title, mode, model, tokens in all, cost, context")
def _status(session: Session, args: list[str]) -> CommandResult:
    record = session.record
    cost = "unknown" if record.cost is None else dollars(record.cost)
    total = record.prompt_tokens + record.completion_tokens
    return CommandResult("\n".join([
        f"session  {record.id} · {record.title or '(untitled)'}",
        f"mode     {record.mode} · model {record.model}",
        f"tokens   {total:,} in all ({record.prompt_tokens:,} read, {record.completion_tokens:,} written)",
        f"cost     {cost}",
        f"context  about {session.context_fill():,} tokens in the next request (/context for the parts)",
    ]))


@command("title", "rename this session: /title New title")
def _title(session: Session, args: list[str]) -> CommandResult:
    title = " ".join(args).strip()
    if not title:
        return CommandResult("give a title: /title New title", error=True)
    session.rename(title)
    return CommandResult(f"title: {title}")


MEMORY_ACTIONS = ("list", "search", "add", "forget", "pin", "unpin")


@command("memory", "long-term memory: /memory [list | search WORDS | add TEXT | forget ID | pin ID | unpin ID]")
def _memory(session: Session, args: list[str]) -> CommandResult:
    from .memory.store import memory_line

    action, rest = (args[0], args[1:]) if args else ("list", [])
    if action not in MEMORY_ACTIONS:
        return CommandResult(f"unknown /memory action {action!r}; use one of: {', '.join(MEMORY_ACTIONS)}", error=True)
    if action in ("list", "search"):
        found = session.memories() if action == "list" else session.memories(" ".join(rest), 10)
        return CommandResult("\n".join(memory_line(m) for m in found) or "no memories")
    if not rest:
        return CommandResult(f"/memory {action} needs {'some text' if action == 'add' else 'a memory id'}", error=True)
    if action == "add":
        record, created = session.remember(" ".join(rest))
        return CommandResult(f"remembered as memory {record.id}" if created else f"already known as memory {record.id}")
    if action == "forget":
        return CommandResult("forgot " + ", ".join(f"memory {m.id}" for m in session.forget(*rest)))
    record = session.pin_memory(rest[0], action == "pin")
    return CommandResult(f"{action}ned memory {record.id}")


@command("compact", "summarise the conversation so far to free context")
def _compact(session: Session, args: list[str]) -> CommandResult:
    return CommandResult("compacting the conversation…", action="compact")


@command("continue", "go on with an answer cut at the model's token cap")
def _continue(session: Session, args: list[str]) -> CommandResult:
    if not session.answer_was_cut():
        return CommandResult("the last answer was not cut at the model's token cap: there is nothing to continue", error=True)
    return CommandResult(action="continue")


@command("export", "export this session: /export [md|json] [FILE]")
def _export(session: Session, args: list[str]) -> CommandResult:
    from pathlib import Path

    from .store.transfer import write_new_file

    if not session.persisted:
        return CommandResult("nothing to export yet: this session has no messages", error=True)
    kind = args[0] if args and args[0] in ("md", "json") else "md"
    rest = args[1:] if args and args[0] in ("md", "json") else args
    path = Path(rest[0] if rest else f"agentsh-{session.id}.{kind}").expanduser()
    write_new_file(path, session.export(kind))
    return CommandResult(f"exported to {path}", action="export", argument=str(path))


@command("context", "what each request is made of: system prompt, AGENTS.md files, tools, conversation, with token estimates")
def _context(session: Session, args: list[str]) -> CommandResult:
    parts = session.context_parts()
    width = max(len(p.name) for p in parts)
    lines = [f"{p.name:<{width}}  {p.tokens:>7,} tokens  {p.detail}" for p in parts]
    total = sum(p.tokens for p in parts)
    return CommandResult("\n".join([*lines, f"{'total':<{width}}  {total:>7,} tokens (estimated)"]))


@command("stats", "usage and cost of this session and of today, with charts (`agentsh stats` for any range)")
def _stats(session: Session, args: list[str]) -> CommandResult:
    return CommandResult(action="stats")


@command("cost", "what this session has cost: model calls, tokens and dollars by mode and model")
def _cost(session: Session, args: list[str]) -> CommandResult:
    from .stats.render import cost_summary

    return CommandResult(cost_summary(session.spend_reports()[0]))


@command("plugins", "plugin files and their status")
def _plugins(session: Session, args: list[str]) -> CommandResult:
    lines = [f"{s.name:<24} {'error: ' + s.error if s.error else ', '.join(t.name for t in s.tools)}" for s in session.plugin_statuses()]
    return CommandResult("\n".join(lines) or "no plugins loaded")


@command("mcp", "MCP servers and their state; /mcp restart NAME connects to one afresh")
def _mcp(session: Session, args: list[str]) -> CommandResult:
    if args[:1] == ["restart"] and len(args) == 2:
        try:
            session.restart_mcp_server(args[1])
        except KeyError as error:
            return CommandResult(str(error.args[0]), error=True)
        return CommandResult(f"restarting MCP server {args[1]}; a notice says when it is ready")
    if args:
        return CommandResult("usage: /mcp (the servers) or /mcp restart NAME", error=True)
    servers = session.mcp_servers()
    if not servers:
        return CommandResult("no MCP servers configured; add one with `agentsh mcp add NAME -- COMMAND` (README: MCP)")
    return CommandResult("\n".join(_mcp_lines(server) for server in servers))


def _mcp_lines(server) -> str:
    where = f"{server.transport}: {server.target}"
    extra = [f"pid {server.pid}"] if server.pid else []
    extra += [f"log {server.log}"] if server.log else []
    tools = f"\n    tools: {', '.join(server.tools)}" if server.tools else ""
    return f"{server.name}: {server.summary}\n    {where}{' · ' if extra else ''}{' · '.join(extra)}{tools}"


@command("retry", "regenerate the last answer: /retry [--mode NAME] [--model NAME] [--from STEP [--reuse]]")
def _retry(session: Session, args: list[str]) -> CommandResult:
    usage = "/retry [--mode NAME] [--model NAME] [--from STEP [--reuse]]"
    options = _options(args, ("--mode", "--model", "--from"), usage, flags=("--reuse",))
    text = session.last_user_text()
    if "--mode" in options:
        session.set_mode(options["--mode"])
    if "--model" in options:
        session.set_model(options["--model"])
    replay = None
    if "--from" in options:
        replay = session.prepare_replay(options["--from"], reuse_random="--reuse" in options, model=session.model_name)
    try:
        fork = session.replace_last_turn()
    except AgentshError:
        session.cancel_replay()
        raise
    how = "".join(f" with {key[2:]} {value}" for key, value in options.items() if key in ("--mode", "--model"))
    start = f" from step {replay.step.number}, reusing the answers before it" if replay else ""
    return CommandResult(f"retrying your last message{how}{start}; the replaced answer is kept in session {fork.id}", action="resend", argument=text)


@command("compare", "one request under several modes/models at once: /compare --modes A,B [--models X,Y] [--judge P] REQUEST")
def _compare(session: Session, args: list[str]) -> CommandResult:
    from .compare import compare_request

    request = compare_request(session, args)
    labels = ", ".join(c.label for c in request.combinations)
    return CommandResult(f"comparing {labels}: each runs in its own session", action="compare", argument=shlex.join(args))


@command("edit", "edit your last message and send it again, replacing that turn: /edit [NEW TEXT]")
def _edit(session: Session, args: list[str]) -> CommandResult:
    if args:
        return edit_last(session, args[0])
    text = session.last_user_text()
    return CommandResult("editing your last message: sending it replaces that turn", action="edit", argument=text)


def edit_last(session: Session, text: str) -> CommandResult:
    """Send `text` in place of the last user message: that turn is replaced, kept in a fork."""
    fork = session.replace_last_turn()
    return CommandResult(f"replaced your last message; the earlier turn is kept in session {fork.id}", action="resend", argument=text)


@command("undo", "restore the files the last turn changed: /undo [--force]")
def _undo(session: Session, args: list[str]) -> CommandResult:
    options = _options(args, (), "/undo [--force]", flags=("--force",))
    turn, restored = session.undo_files(force="--force" in options)
    return CommandResult(f"undid the file changes of {turn}: {restored.describe()}")


@command("rewind", "list turns, or go back to before turn N (files and conversation): /rewind [N] [--force]")
def _rewind(session: Session, args: list[str]) -> CommandResult:
    options = _options([a for a in args if not a.isdigit()], (), "/rewind [N] [--force]", flags=("--force",))
    numbers = [int(a) for a in args if a.isdigit()]
    if not numbers:
        lines = [f"{p.number:>3}  {'files ' if p.changed_files else '      '}{_first_line(p.text)}" for p in session.rewind_points()]
        return CommandResult("\n".join([*lines, "/rewind N goes back to before turn N"]) if lines else "no turns yet")
    fork, restored, text = session.rewind(numbers[0], force="--force" in options)
    said = f"back to before turn {numbers[0]}: {restored.describe()}; the whole conversation is kept in session {fork.id}"
    return CommandResult(said + "; that turn's message is back in the input", action="reload", argument=text)


@command("copy", "copy the last answer, or its N-th code block, to the clipboard: /copy [N]")
def _copy(session: Session, args: list[str]) -> CommandResult:
    from .text import code_blocks

    answer = session.last_answer()
    if not args:
        return CommandResult(f"copied the last answer ({len(answer)} characters)", action="copy", argument=answer)
    blocks = code_blocks(answer)
    if not args[0].isdigit() or not 1 <= int(args[0]) <= len(blocks):
        return CommandResult(f"the last answer has {counted(len(blocks), 'code block')}: /copy 1 to /copy {len(blocks)}", error=True)
    block = blocks[int(args[0]) - 1]
    return CommandResult(f"copied code block {args[0]} ({len(block)} characters)", action="copy", argument=block)


def _options(args: list[str], valued: tuple[str, ...], usage: str, flags: tuple[str, ...] = ()) -> dict[str, str]:
    """`--name VALUE` and `--flag` arguments; AgentshError (with the usage) for anything else."""
    options: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word in flags:
            options[word] = ""
        elif word in valued and rest:
            options[word] = rest.pop(0)
        else:
            raise AgentshError(f"unexpected {word!r}: use {usage}")
    return options


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return (lines[0][:70] + ("…" if len(lines[0]) > 70 or len(lines) > 1 else "")) if lines else "(empty)"


@command("quit", "leave agentsh")
def _quit(session: Session, args: list[str]) -> CommandResult:
    return CommandResult(action="quit")


def modes_command(args: argparse.Namespace) -> int:
    rows = [{"mode": name, "summary": mode_summary(name)} for name in mode_names()]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['mode']:<11} {row['summary']}")
    return 0
