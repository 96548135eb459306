"""The command line's grammar: `build_parser` and every command's options.

Nothing heavy is imported here, so `agentsh --help` stays fast (litellm is never loaded).
"""

from __future__ import annotations

import argparse

from .. import __version__

MODES_HELP = "chat, tools (default), react, pipeline, router, planner, supervisor, parallel, reflect, debate, events"


def _add_agent_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--model", "-m", help="litellm model string, e.g. openai/gpt-4o-mini, or 'offline' (env AGENTSH_MODEL)")
    parser.add_argument("--mode", help=f"orchestration mode: {MODES_HELP}")
    parser.add_argument("--plugins", action="append", default=[], metavar="DIR", help="also load tools from DIR (repeatable)")
    parser.add_argument("--home", metavar="DIR", help="data home holding the session database (env AGENTSH_HOME)")
    parser.add_argument("--project-store", action="store_true", help="keep sessions in ./sessions (a trusted folder only)")
    parser.add_argument("--max-steps", type=int, metavar="N", help="most tool-loop steps per turn (default 20)")
    parser.add_argument("--yes", "-y", action="store_true", help="approve every tool call that needs approval")
    parser.add_argument("--max-cost", type=float, metavar="USD", help="stop a turn once its model calls cost this much ([budget] max_cost)")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="stop a turn once it has used this many tokens ([budget] max_tokens)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentsh",
        description="An interactive terminal shell for LLM agents.",
        epilog="Run `agentsh COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"agentsh {__version__}")
    _add_shell_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run one turn headless and print the answer", description="Run one turn and print the final answer on stdout.")
    run.add_argument("prompt", nargs="*", help="the prompt; '-' or nothing reads it from stdin (piped stdin with a prompt is added as context)")
    _add_agent_options(run)
    run.add_argument("--session", "-s", metavar="ID", help="continue the session ID (a unique prefix is enough)")
    run.add_argument("--continue", "-c", dest="continue_latest", action="store_true", help="continue the latest session started in this folder")
    run.add_argument("--any", dest="continue_anywhere", action="store_true", help="with -c: the latest session, wherever it was started")
    run.add_argument("--json", action="store_true", help="print every event as a JSON line")
    run.add_argument("--no-stdin", action="store_true", help="never read stdin (for loops and pipes that stay open)")
    run.add_argument("--schema", metavar="FILE|JSON", help="the answer as a JSON instance of this JSON schema (a file, or the schema inline), alone on stdout")
    run.add_argument(
        "--background", "-b", action="store_true",
        help="hand the turn to the task service (started if none runs) and print its id at once; follow it with agentsh jobs",
    )
    compare = commands.add_parser(
        "compare", help="run one request under several modes and models at once: a side-by-side table",
        description="Runs the request under each mode × model concurrently, each in its own session (sibling forks: "
        "continue any with agentsh -r ID), and shows answer, steps, model calls, tokens, cost and wall time.",
    )
    compare.add_argument("prompt", nargs="+", help="the request")
    _add_agent_options(compare)
    compare.add_argument("--modes", metavar="A,B", help="modes to compare, comma-separated (default: the configured mode)")
    compare.add_argument("--models", metavar="A,B", help="models to compare, comma-separated (default: the configured model)")
    compare.add_argument("--judge", metavar="PROFILE", help="an agent profile that ranks the answers, with reasons")
    compare.add_argument("--json", action="store_true", help="the comparison as JSON")
    _add_serve_parser(commands)
    _add_sessions_parser(commands)
    _add_jobs_parser(commands)
    _add_memory_parser(commands)
    _add_plugin_parsers(commands)
    _add_stats_parser(commands)
    _add_workflows_parser(commands)
    _add_mcp_parsers(commands)
    modes = commands.add_parser("modes", help="the orchestration modes, one line each")
    modes.add_argument("--json", action="store_true")
    models = commands.add_parser(
        "models", help="the models the configured and local model servers offer (Ollama, llama.cpp, LM Studio, vLLM...)",
        description="Ask OPENAI_BASE_URL, OLLAMA_HOST and the usual local ports (8080, 8000, 1234, 11434) which models they serve.",
    )
    models.add_argument("--json", action="store_true", help="every server probed, as JSON")
    _keep_values_given_before_the_command(parser, {a.dest for a in parser._actions})
    return parser


def _add_serve_parser(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="the local task service: an HTTP API (and Unix socket) that runs turns in the background",
        description="Serve the task API on 127.0.0.1 (every request needs the token kept in the data home's service folder).",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; another needs --allow-remote)")
    serve.add_argument("--port", type=_count_from(0, 65535), metavar="N", help="port (0: any free port; default [service] port, 8719)")
    serve.add_argument("--socket", metavar="PATH", help="serve on this Unix socket instead of a TCP port")
    serve.add_argument("--concurrency", type=_count_from(1, 256), metavar="N", help="tasks running at once (default [service] concurrency, 4)")
    serve.add_argument("--idle-timeout", type=_seconds, metavar="SECONDS", help="stop after this long with nothing to do (default 0: never)")
    serve.add_argument("--allow-remote", action="store_true", help="allow a --host other than loopback (put TLS in front of it)")
    serve.add_argument("--home", metavar="DIR", help="data home holding the session database (env AGENTSH_HOME)")


def _count_from(low: int, high: int):
    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not between {low} and {high}")
        return value

    return count


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError("the idle timeout cannot be negative (0: never stop)")
    return value


def _keep_values_given_before_the_command(parser: argparse.ArgumentParser, shared: set[str]) -> None:
    """`agentsh --home X sessions list`: a command's own default for an option must not undo a value given before it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                for option in command._actions:
                    if option.dest in shared and option.option_strings:
                        option.default = argparse.SUPPRESS
                _keep_values_given_before_the_command(command, shared)


def _add_shell_options(parser: argparse.ArgumentParser) -> None:
    """With no COMMAND, agentsh opens the interactive shell: the TUI, or the line REPL with --plain."""
    shell = parser.add_argument_group("interactive shell (no COMMAND)")
    shell.add_argument("--plain", action="store_true", help="a line-by-line prompt instead of the full-screen app")
    shell.add_argument("--raw", action="store_true", help="with --plain: answers as the model wrote them, not rendered as Markdown")
    shell.add_argument("--continue", "-c", dest="continue_latest", action="store_true", help="open the latest session started in this folder")
    shell.add_argument("--any", dest="continue_anywhere", action="store_true", help="with -c: the latest session, wherever it was started")
    shell.add_argument("--resume", "-r", nargs="?", const="", metavar="ID", help="open session ID (a unique prefix); without ID, pick one")
    _add_agent_options(shell)


def _add_plugin_parsers(commands: argparse._SubParsersAction) -> None:
    plugins = commands.add_parser("plugins", help="plugin files and their status")
    actions = plugins.add_subparsers(dest="plugins_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every plugin with its status and tools")
    listing.add_argument("--plugins", action="append", default=[], metavar="DIR", help="also load tools from DIR")
    listing.add_argument("--json", action="store_true")
    tools = commands.add_parser("tools", help="the tool schemas the model will see")
    tools.add_argument("--plugins", action="append", default=[], metavar="DIR", help="also load tools from DIR")
    tools.add_argument("--json", action="store_true")
    trust = commands.add_parser("trust", help="let this folder's own plugins (./plugins, ./.agentsh/plugins) and AGENTS.md load")
    trust.add_argument("folder", nargs="?", help="the folder (default: the current one)")
    trust.add_argument("--revoke", action="store_true", help="stop trusting the folder")
    trust.add_argument("--list", action="store_true", help="list the trusted folders")


def _add_workflows_parser(commands: argparse._SubParsersAction) -> None:
    workflows = commands.add_parser("workflows", help="workflow files: list, check, show (run one with --mode workflow:NAME)")
    workflows.add_argument("--plugins", action="append", default=[], metavar="DIR", help="also load tools from DIR")
    actions = workflows.add_subparsers(dest="workflows_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="every workflow with its status").add_argument("--json", action="store_true")
    check = actions.add_parser("check", help="check one workflow (or all): every problem with its file, line and a suggestion")
    check.add_argument("name", nargs="?")
    check.add_argument("--json", action="store_true")
    actions.add_parser("show", help="a workflow's nodes drawn as a tree").add_argument("name")


def _add_mcp_parsers(commands: argparse._SubParsersAction) -> None:
    mcp = commands.add_parser("mcp", help="MCP servers: list, add, remove, and the tools of one")
    actions = mcp.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every configured server, started to show its state and tools")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser(
        "add", help="add a server to the config: agentsh mcp add time -- mcp-server-time  (or --url URL)",
        description="Add [mcp_servers.NAME] to the config file. A stdio server: its command after --. "
        "An HTTP server: --url (a URL ending in /sse is the legacy SSE transport).",
    )
    add.add_argument("name", help="the server's name: the start of its tools' names (NAME__TOOL)")
    add.add_argument("--url", help="a streamable HTTP (or SSE) server's address")
    add.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="an environment variable for the server (${VAR} expands)")
    add.add_argument("--header", action="append", default=[], metavar="KEY:VALUE", help="an HTTP header (${VAR} expands)")
    add.add_argument("--allow", action="append", default=[], metavar="TOOL", help="a tool of the server that runs without asking ('*': all)")
    add.add_argument("--timeout", type=float, help="seconds a tool call may take (default 60)")
    add.add_argument("server_command", nargs="*", metavar="-- COMMAND [ARGS...]", help="the program that serves MCP on stdio, after --")
    remove = actions.add_parser("remove", help="take a server out of the config")
    remove.add_argument("name")
    tools = actions.add_parser("tools", help="start one server and list its tools as the model sees them")
    tools.add_argument("name")
    tools.add_argument("--json", action="store_true")


def _data_command(commands: argparse._SubParsersAction, name: str, summary: str) -> argparse._SubParsersAction:
    """A command over the data home (`sessions`, `memory`) with its actions."""
    parser = commands.add_parser(name, help=summary)
    parser.add_argument("--home", metavar="DIR", help="data home holding the database (env AGENTSH_HOME)")
    parser.add_argument("--project-store", action="store_true", help="use ./sessions (a trusted folder only)")
    return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)


def _listing(actions: argparse._SubParsersAction, name: str, summary: str, limit: int, query: bool = False) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=summary)
    if query:
        parser.add_argument("query", nargs="+")
    parser.add_argument("--limit", "-n", type=int, default=limit, metavar="N")
    parser.add_argument("--json", action="store_true")
    return parser


def _add_jobs_parser(commands: argparse._SubParsersAction) -> None:
    actions = _data_command(commands, "jobs", "background tasks of the task service: list, status, cancel, attach")
    listing = _listing(actions, "list", "the service's tasks, newest first", 50)
    listing.add_argument(
        "--status", choices=["queued", "running", "input-required", "completed", "failed", "cancelled"], help="only the tasks in this state",
    )
    status = actions.add_parser("status", help="one task: its state, answer, usage and cost")
    status.add_argument("id")
    status.add_argument("--json", action="store_true")
    actions.add_parser("cancel", help="stop a task (a running turn is saved, marked interrupted)").add_argument("id")
    attach = actions.add_parser("attach", help="follow a task's events live and answer its approvals (Ctrl-C detaches, the task goes on)")
    attach.add_argument("id")


def _add_memory_parser(commands: argparse._SubParsersAction) -> None:
    actions = _data_command(commands, "memory", "long-term memory: list, add, search, forget, pin, export, import")
    listing = _listing(actions, "list", "memories, pinned first, newest first", 50)
    listing.add_argument("--pinned", action="store_true", help="only the pinned ones")
    _listing(actions, "search", "the memories most relevant to some words", 10, query=True)
    add = actions.add_parser("add", help="remember something: agentsh memory add \"my favourite colour is teal\"")
    add.add_argument("text", nargs="+")
    add.add_argument("--kind", default="fact", help="fact, preference, instruction, decision, person or project")
    add.add_argument("--tag", action="append", default=[], help="a keyword (repeatable)")
    add.add_argument("--importance", type=int, default=3, metavar="1-5")
    add.add_argument("--pin", action="store_true", help="recall it before every answer")
    forget = actions.add_parser("forget", help="delete memories by id")
    forget.add_argument("id", nargs="+")
    for name, summary in (("pin", "recall a memory before every answer"), ("unpin", "recall it only when relevant")):
        actions.add_parser(name, help=summary).add_argument("id")
    export = actions.add_parser("export", help="every memory as JSON")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    imported = actions.add_parser("import", help="add memories from a JSON export ('-' reads stdin)")
    imported.add_argument("file")
    consolidate = actions.add_parser("consolidate", help="summarise sessions and learn their durable facts now")
    consolidate.add_argument("--session", "-s", metavar="ID", help="only this session (default: every one not yet done)")
    consolidate.add_argument("--limit", "-n", type=int, default=20, metavar="N")
    consolidate.add_argument("--model", "-m", help="the model that reads the sessions (default: each session's own)")


def _add_stats_parser(commands: argparse._SubParsersAction) -> None:
    stats = commands.add_parser(
        "stats", help="usage over time: turns, model calls, tokens and cost by day, week, month, model, mode, workflow or session",
        description="Usage from the session database. On a terminal: bar charts and sparklines; piped: plain columns.",
        epilog="Times: 90d (today and the 89 days before), 12w, 6m, 24h, today, 2026-11-01, 2026-11. "
        "A cost litellm does not know is shown as unknown, and a total with such calls as a lower bound (≥ $X + unknown).",
    )
    stats.add_argument("--since", default="30d", metavar="WHEN", help="from WHEN (default 30d)")
    stats.add_argument("--until", metavar="WHEN", help="up to WHEN; a date counts whole (default: the end of today)")
    stats.add_argument(
        "--group-by", "-g", default="day", metavar="KEYS",
        help="day, week or month and/or model, mode, workflow, session; comma-separated (default day; e.g. week,model)",
    )
    zone = stats.add_mutually_exclusive_group()
    zone.add_argument("--utc", action="store_true", help="days in UTC (default: local time)")
    zone.add_argument("--tz", metavar="ZONE", help="days in ZONE, an IANA name such as Europe/Paris")
    output = stats.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the rows and totals as JSON")
    output.add_argument("--csv", action="store_true", help="the rows as CSV")
    stats.add_argument("--session", "-s", metavar="ID", help="only session ID (a unique prefix is enough)")
    stats.add_argument("--home", metavar="DIR", help="data home holding the database (env AGENTSH_HOME)")
    stats.add_argument("--project-store", action="store_true", help="use ./sessions (a trusted folder only)")


def _add_sessions_parser(commands: argparse._SubParsersAction) -> None:
    actions = _data_command(commands, "sessions", "list, search, show, export, import, fork, rename, delete sessions")
    listing = _listing(actions, "list", "the most recent sessions, with the folder each was started in", 20)
    listing.add_argument("--dir", metavar="DIR", help="only the sessions started in DIR ('.' for this folder)")
    listing.add_argument(
        "--origin", choices=["interactive", "chat", "run"],
        help="only the sessions of the app and --plain (interactive, or chat as the listing marks them) or of "
        "`agentsh run` (run); by default both, interactive first",
    )
    show = actions.add_parser("show", help="a session's transcript")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    _listing(actions, "search", "full-text search over every message and session summary", 20, query=True)
    export = actions.add_parser("export", help="export a session as Markdown or JSON")
    export.add_argument("id")
    export.add_argument("--format", "-f", choices=["md", "json"], default="md")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    imported = actions.add_parser("import", help="import a JSON export")
    imported.add_argument("file")
    fork = actions.add_parser("fork", help="a new session sharing the history up to message N")
    fork.add_argument("id")
    fork.add_argument("--at", type=int, metavar="N", help="keep the first N messages (default: all)")
    trace = actions.add_parser("trace", help="a turn's step tree: mode decisions, agents, tool and model calls, tokens, cost, time")
    trace.add_argument("id")
    trace.add_argument("--turn", "-t", type=int, metavar="N", help="turn N, counted from 1 (default: the last)")
    trace.add_argument("--json", action="store_true", help="the tree as JSON (children nested; every node has its parent_id)")
    replay = actions.add_parser(
        "replay", help="run a turn again in a fork from one of its steps, reusing the model answers before it",
        description="Replays turn N (default: the last) of session ID in a new session (a fork), reusing the answers the "
        "model gave before STEP (with --model, that model answers from STEP on); with --mode or --model and no --from, "
        "the whole turn runs again that way.",
    )
    replay.add_argument("id")
    replay.add_argument("--turn", "-t", type=int, metavar="N", help="turn N, counted from 1 (default: the last)")
    replay.add_argument("--from", dest="step", metavar="STEP", help="the step's number in `sessions trace` (or a step id)")
    replay.add_argument("--mode", help="run the turn again in this mode")
    replay.add_argument("--model", "-m", help="run the turn again with this model (from STEP on, with --from)")
    replay.add_argument("--reuse", action="store_true", help="reuse answers given at a temperature above 0 too")
    replay.add_argument("--json", action="store_true", help="the replay's events as JSON lines, as agentsh run --json")
    rename = actions.add_parser("rename", help="give a session a new title")
    rename.add_argument("id")
    rename.add_argument("title", nargs="+")
    delete = actions.add_parser("delete", help="delete a session (asks first)")
    delete.add_argument("id")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask")
